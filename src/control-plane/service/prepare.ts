import { keyDisplayPrefix } from '../../kernel/api-keys.js';
import { isoTime } from '../../kernel/clock.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { teamsAdministeredBy } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { type AgentSpec, type AgentStatus, LIFECYCLE_TRANSITIONS, type LifecycleState } from '../resources/kinds/agent.js';
import type { ApiKeySecret, ApiKeySpec, ApiKeyStatus } from '../resources/kinds/api-key.js';
import type { UserSpec } from '../resources/kinds/user.js';
import type { ValidDoc } from '../resources/validate.js';
import type { ServiceDeps } from './deps.js';
import type { GrantSpec } from '../resources/kinds/grant.js';
import { prepareGrant } from './prepare-grant.js';
import { prepareSecret } from './prepare-secret.js';

/** What a document becomes once the server-managed parts are filled in. */
export interface Prepared {
  readonly spec: Record<string, unknown>;
  readonly status: unknown;
  readonly secret: unknown;
  /** Generated API key secret (create only): returned once to the caller. */
  readonly generatedKey?: string;
  readonly problems: { path: string; message: string }[];
  /** Set when the actor may not make this particular change (beyond the kind-level RBAC check). */
  readonly forbidden?: string;
}

/** `seed`: the operator's gantry.yaml at start (a Secret's fromEnv may read any variable). */
export function prepareDoc(deps: ServiceDeps, actor: Actor, doc: ValidDoc, existing: StoredResource | undefined, dryRun: boolean, seed = false): Prepared {
  const keep = { spec: doc.spec, status: existing?.status, secret: existing?.secret, problems: [] };
  switch (doc.kind) {
    case 'ApiKey':
      return prepareKey(deps, actor, doc.spec as unknown as ApiKeySpec, existing, dryRun);
    case 'Agent':
      return prepareAgent(actor, doc.spec as unknown as AgentSpec, existing, deps.clock.now(), undefined);
    case 'Grant':
      return prepareGrant(actor, doc.spec as unknown as GrantSpec, existing, deps.clock.now());
    case 'Secret':
      return prepareSecret(deps, actor, doc, existing, seed);
    case 'User': {
      const next = doc.spec as UserSpec;
      const prev = existing?.spec as UserSpec | undefined;
      // Disabling ends every session: enabling the user again needs a new login, not the old tokens.
      const secret = next.disabled && !prev?.disabled ? { tokens: [] } : keep.secret;
      const labelsChanged = existing !== undefined && JSON.stringify(existing.labels) !== JSON.stringify(doc.labels);
      const forbidden =
        labelsChanged && !actor.platformRoles.has('platform-admin') ? 'only a platform admin changes the labels of a user' : userChangeForbidden(actor, next, prev);
      return { ...keep, secret, forbidden };
    }
    default:
      return keep;
  }
}

function prepareKey(deps: ServiceDeps, actor: Actor, input: ApiKeySpec, existing: StoredResource | undefined, dryRun: boolean): Prepared {
  const isAdminLike = actor.platformRoles.has('platform-admin') || actor.teamRoles.get(input.team) === 'team-admin';
  const spec = input;
  if (!isAdminLike && spec.user !== actor.user) {
    return { spec: spec as unknown as Record<string, unknown>, status: undefined, secret: undefined, problems: [], forbidden: 'a developer may only manage their own keys (spec.user)' };
  }
  if (existing) return { spec: spec as unknown as Record<string, unknown>, status: existing.status, secret: existing.secret, problems: [] };
  if (spec.expiresAt !== undefined && Date.parse(spec.expiresAt) <= deps.clock.now()) {
    return { spec: spec as unknown as Record<string, unknown>, status: undefined, secret: undefined, problems: [{ path: 'spec.expiresAt', message: `${spec.expiresAt} is in the past; a new key must expire in the future` }] };
  }
  const key = dryRun ? undefined : deps.generateApiKey();
  const status: ApiKeyStatus = { displayPrefix: key ? keyDisplayPrefix(key) : 'gk_(generated on apply)' };
  const secret: ApiKeySecret = { hashes: key ? [{ hash: deps.hashSecret(key) }] : [] };
  return { spec: spec as unknown as Record<string, unknown>, status, secret, problems: [], ...(key ? { generatedKey: key } : {}) };
}

/** Lifecycle rules for an Agent write (apply or the lifecycle endpoint). */
export function prepareAgent(actor: Actor, input: AgentSpec, existing: StoredResource | undefined, now: number, reason: string | undefined): Prepared {
  const prev = existing?.spec as AgentSpec | undefined;
  const prevStatus = (existing?.status as AgentStatus | undefined) ?? { history: [] };
  const from: LifecycleState | null = prev ? (prev.lifecycle ?? 'proposed') : null;
  const to: LifecycleState = input.lifecycle ?? from ?? 'proposed';
  const spec = { ...input, lifecycle: to } as unknown as Record<string, unknown>;
  if (from === to) return { spec, status: existing?.status, secret: undefined, problems: [] };
  if (from === null && !['proposed', 'approved', 'active'].includes(to)) {
    return { spec, status: prevStatus, secret: undefined, problems: [{ path: 'spec.lifecycle', message: `a new agent starts as proposed, approved or active, not ${to}` }] };
  }
  if (from !== null && !LIFECYCLE_TRANSITIONS[from].includes(to)) {
    const allowed = LIFECYCLE_TRANSITIONS[from].join(', ') || 'none (retired is final)';
    return { spec, status: prevStatus, secret: undefined, problems: [{ path: 'spec.lifecycle', message: `cannot go from ${from} to ${to}; allowed from ${from}: ${allowed}` }] };
  }
  // Approval: moving to approved, or creating an agent directly as approved/active.
  const approving = to === 'approved' || (from === null && to === 'active');
  const canApprove = actor.platformRoles.has('platform-admin') || actor.teamRoles.get(input.owner) === 'team-admin';
  if (approving && !canApprove) return { spec, status: prevStatus, secret: undefined, problems: [], forbidden: 'only a team admin of the owning team or a platform admin approves an agent' };
  const event = { from, to, by: actor.id, at: isoTime(now), ...(reason ? { reason } : {}) };
  const status: AgentStatus = {
    ...prevStatus,
    history: [...prevStatus.history, event].slice(-100),
    ...(approving ? { approvedBy: actor.id, approvedAt: isoTime(now) } : {}),
  };
  return { spec, status, secret: undefined, problems: [] };
}

/** Team admins manage memberships of the teams they administer, and nothing else about a user. */
function userChangeForbidden(actor: Actor, next: UserSpec, prev: UserSpec | undefined): string | undefined {
  if (actor.platformRoles.has('platform-admin')) return undefined;
  const roles = (s: UserSpec | undefined) => [...(s?.roles ?? [])].sort().join(',');
  if (roles(next) !== roles(prev)) return 'only a platform admin grants platform roles (spec.roles)';
  if (prev && (next.email !== prev.email || next.disabled !== prev.disabled || next.displayName !== prev.displayName)) {
    return 'a team admin changes only team memberships of a user';
  }
  const mine = teamsAdministeredBy(actor);
  const key = (m: { team: string; role: string }) => `${m.team}=${m.role}`;
  const before = new Set((prev?.teams ?? []).map(key));
  const after = new Set((next.teams ?? []).map(key));
  for (const m of [...before].filter((x) => !after.has(x)).concat([...after].filter((x) => !before.has(x)))) {
    const team = m.split('=')[0] as string;
    if (!mine.has(team)) return `team membership in "${team}" is managed by that team's admins`;
  }
  return undefined;
}

/** Defaults that depend on who applies: a developer's new key is theirs (spec.user). */
export function withActorDefaults(actor: Actor, doc: ValidDoc, exists: boolean): ValidDoc {
  if (doc.kind !== 'ApiKey' || exists || actor.user === undefined || doc.spec.user !== undefined) return doc;
  const team = String(doc.spec.team);
  if (actor.platformRoles.has('platform-admin') || actor.teamRoles.get(team) !== 'developer') return doc;
  return { ...doc, spec: { ...doc.spec, user: actor.user } };
}
