import { GatewayError } from '../../kernel/errors/index.js';
import { isoTime } from '../../kernel/clock.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { systemActor, type Actor } from '../rbac/roles.js';
import { API_VERSION } from '../resources/common.js';
import type { TeamSpec } from '../resources/kinds/team.js';
import type { UserSpec } from '../resources/kinds/user.js';
import type { ApplyService } from './apply.js';
import { auditDenied, auditDraft, type CallMeta, type ServiceDeps } from './deps.js';
import { rewriteOf } from './mutate.js';

/** User tokens live in the User's secret column as keyed hashes. */
export interface UserSecret {
  readonly tokens: readonly { readonly hash: string; readonly expiresAt: number; readonly createdAt: number; readonly via: string }[];
}

export interface SsoIdentityInput {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | undefined;
  readonly name: string | undefined;
  readonly groups: readonly string[];
}

const MAX_TOKENS_PER_USER = 20;
export const SSO_TOKEN_TTL_HOURS = 12;
/** A user's own tokens cannot outlive an SSO session by much (no way around the login lifetime). */
export const SELF_TOKEN_MAX_HOURS = 24;

function userName(email: string | undefined, subject: string): string {
  const base = (email?.split('@')[0] ?? subject).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return (base || 'user').slice(0, 50);
}

export function createUserService(deps: ServiceDeps, apply: ApplyService) {
  async function issueToken(actor: Actor, name: string, ttlHours: number, via: string, meta: CallMeta, sso?: { issuer: string; subject: string }) {
    const existing = await deps.store.get('User', name);
    if (!existing) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `User "${name}" does not exist.`);
    const self = actor.user === name;
    if (!self && !actor.platformRoles.has('platform-admin')) {
      await auditDenied(deps, actor, meta, { action: 'users.token', kind: 'User', name });
      throw new GatewayError('GW_FORBIDDEN', `Forbidden: only a platform admin (or the user themselves) issues tokens for user "${name}".`);
    }
    // A user's own token, even a platform admin's, is short and never outlives the one it was minted
    // with; long-lived tokens are issued by a platform admin for another (service) user.
    if (self && actor.tokenHash !== undefined && ttlHours > SELF_TOKEN_MAX_HOURS) {
      throw new GatewayError('GW_REQUEST_INVALID', `A token you issue for yourself lasts at most ${SELF_TOKEN_MAX_HOURS} hours (ttlHours); a platform admin issues longer-lived ones.`, { param: 'ttlHours' });
    }
    if ((existing.spec as UserSpec).disabled) throw new GatewayError('GW_RESOURCE_CONFLICT', `User "${name}" is disabled.`);
    const now = deps.clock.now();
    const token = deps.generateUserToken();
    // A token minted with a user token ends when that one does: a session cannot renew itself forever.
    const bound = self && actor.tokenExpiresAt !== undefined ? actor.tokenExpiresAt : Number.POSITIVE_INFINITY;
    const expiresAt = Math.min(now + ttlHours * 3_600_000, bound);
    const live = ((existing.secret as UserSecret | undefined)?.tokens ?? []).filter((t) => t.expiresAt > now);
    const secret: UserSecret = { tokens: [...live, { hash: deps.hashSecret(token), expiresAt, createdAt: now, via }].slice(-MAX_TOKENS_PER_USER) };
    // The IdP's stable subject is remembered, so later logins find the user even without an email claim.
    const status = sso ? { ...((existing.status as Record<string, unknown> | undefined) ?? {}), sso } : existing.status;
    await deps.store.commit(
      [rewriteOf(existing, { spec: existing.spec, status, secret }, actor)],
      [auditDraft(deps, actor, meta, { action: via === 'sso' ? 'login' : 'users.token', outcome: 'ok', kind: 'User', name, after: { expiresAt: isoTime(expiresAt), via } })],
    );
    await deps.refresh();
    return { token, expiresAt: isoTime(expiresAt), user: name };
  }

  /** Maps IdP groups to platform roles and team memberships. */
  function rolesFromGroups(groups: readonly string[]): Pick<UserSpec, 'roles' | 'teams'> {
    const set = new Set(groups);
    const roles = [...(deps.ssoRoleMap ?? new Map<string, string>())].filter(([g]) => set.has(g)).map(([, r]) => r) as NonNullable<UserSpec['roles']>;
    const teams: { team: string; role: 'team-admin' | 'developer' }[] = [];
    for (const t of deps.cached('Team')) {
      const mapped = ((t.spec as TeamSpec).ssoGroups ?? []).filter((m) => set.has(m.group)).map((m) => m.role);
      if (mapped.length > 0) teams.push({ team: t.name, role: mapped.includes('team-admin') ? 'team-admin' : 'developer' });
    }
    return { roles: [...new Set(roles)], teams };
  }

  /**
   * SSO login: finds the user by email (or creates it), syncs memberships from the groups claim and
   * issues a token. Users created by SSO follow the IdP; users created by apply only gain roles.
   */
  async function issueSession(identity: SsoIdentityInput, meta: CallMeta) {
    const system = systemActor('system:sso');
    await deps.refresh();
    const users = [...deps.cached('User')];
    const sso = { issuer: identity.issuer, subject: identity.subject };
    const sameSubject = (u: StoredResource) => {
      const known = (u.status as { sso?: typeof sso } | undefined)?.sso;
      return known?.issuer === sso.issuer && known.subject === sso.subject;
    };
    const sameEmail = (u: StoredResource) => identity.email !== undefined && (u.spec as UserSpec).email?.toLowerCase() === identity.email.toLowerCase();
    const match = users.find(sameSubject) ?? linkByEmail(users.filter(sameEmail), identity.email);
    const mapped = rolesFromGroups(identity.groups);
    let name: string;
    if (match) {
      name = match.name;
      const spec = match.spec as UserSpec;
      if (spec.disabled) throw new GatewayError('GW_SSO_FAILED', `User "${name}" is disabled in Gantry.`);
      const next = match.createdBy === 'system:sso' ? { ...spec, ...mapped } : merge(spec, mapped);
      await applyUser(system, match, name, next, meta);
    } else {
      name = await freeName(userName(identity.email, identity.subject));
      const spec: UserSpec = { ...(identity.email ? { email: identity.email } : {}), ...(identity.name ? { displayName: identity.name.slice(0, 200) } : {}), ...mapped };
      await applyUser(system, undefined, name, spec, meta);
    }
    return issueToken(systemActor(`user:${name}`), name, SSO_TOKEN_TTL_HOURS, 'sso', meta, sso);
  }

  /**
   * A first SSO login may link an existing user by its (verified) e-mail, but never one already
   * linked to another identity, and never when the address is ambiguous: that would hand one
   * person's account to another.
   */
  function linkByEmail(candidates: StoredResource[], email: string | undefined): StoredResource | undefined {
    if (candidates.length > 1) throw new GatewayError('GW_SSO_FAILED', `Several users have the e-mail ${email}; a platform admin must make it unique before this login can work.`);
    const user = candidates[0];
    if (user && (user.status as { sso?: unknown } | undefined)?.sso) {
      throw new GatewayError('GW_SSO_FAILED', `User "${user.name}" is already linked to another identity at the identity provider; ask a platform admin.`);
    }
    return user;
  }

  async function applyUser(system: Actor, existing: StoredResource | undefined, name: string, spec: UserSpec, meta: CallMeta): Promise<void> {
    const doc = { apiVersion: API_VERSION, kind: 'User', metadata: { name, labels: existing?.labels ?? {} }, spec };
    const { valid, problems } = deps.validate([doc]);
    if (problems.length > 0) throw new GatewayError('GW_SSO_FAILED', `The identity provider's claims do not make a valid user: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    await apply.applyDocs(system, valid, { dryRun: false, action: 'sso.provision' }, meta);
  }

  async function freeName(base: string): Promise<string> {
    for (let i = 1; i < 1000; i++) {
      const candidate = i === 1 ? base : `${base}-${i}`;
      if (!(await deps.store.get('User', candidate))) return candidate;
    }
    throw new GatewayError('GW_SSO_FAILED', 'Could not find a free user name.');
  }

  /** Logout: the presented user token stops working in every process within a snapshot propagation. */
  async function revokeToken(actor: Actor, meta: CallMeta): Promise<{ revoked: boolean }> {
    if (actor.user === undefined || actor.tokenHash === undefined) {
      throw new GatewayError('GW_REQUEST_INVALID', 'Only a user token can be logged out; the admin token is changed by replacing it (GANTRY_ADMIN_TOKEN or .gantry/admin-token).');
    }
    const existing = await deps.store.get('User', actor.user);
    const tokens = (existing?.secret as UserSecret | undefined)?.tokens ?? [];
    if (!existing || !tokens.some((t) => t.hash === actor.tokenHash)) return { revoked: false };
    const secret: UserSecret = { tokens: tokens.filter((t) => t.hash !== actor.tokenHash) };
    await deps.store.commit(
      [rewriteOf(existing, { spec: existing.spec, status: existing.status, secret }, actor)],
      [auditDraft(deps, actor, meta, { action: 'logout', outcome: 'ok', kind: 'User', name: existing.name })],
    );
    await deps.refresh();
    return { revoked: true };
  }

  return { issueToken, issueSession, revokeToken };
}

function merge(spec: UserSpec, mapped: Pick<UserSpec, 'roles' | 'teams'>): UserSpec {
  const roles = [...new Set([...(spec.roles ?? []), ...(mapped.roles ?? [])])];
  const teams = [...(spec.teams ?? [])];
  for (const m of mapped.teams ?? []) if (!teams.some((t) => t.team === m.team)) teams.push(m);
  return { ...spec, ...(roles.length > 0 ? { roles } : {}), ...(teams.length > 0 ? { teams } : {}) };
}
