import { GatewayError } from '../../kernel/errors/index.js';
import type { ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess, visibleTeams } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { type AgentSpec, LIFECYCLE_STATES, type LifecycleState } from '../resources/kinds/agent.js';

/** Discovery filters of `GET /agents` (and the export): every given one must match. */
export interface AgentFilter {
  readonly team?: string;
  readonly lifecycle?: LifecycleState;
  /** Declared in spec.models. */
  readonly model?: string;
  /** Declared in spec.tools. */
  readonly tool?: string;
}

const FILTER_PARAMS = ['team', 'lifecycle', 'model', 'tool'] as const;

export function parseAgentFilter(url: URL): AgentFilter {
  const out: { -readonly [K in keyof AgentFilter]: AgentFilter[K] } = {};
  for (const p of FILTER_PARAMS) {
    const v = url.searchParams.get(p)?.trim();
    if (v === undefined || v === '') continue;
    if (p === 'lifecycle') {
      if (!(LIFECYCLE_STATES as readonly string[]).includes(v)) {
        throw new GatewayError('GW_REQUEST_INVALID', `lifecycle must be one of ${LIFECYCLE_STATES.join(', ')}; got "${v.slice(0, 40)}".`, { param: 'lifecycle' });
      }
      out.lifecycle = v as LifecycleState;
    } else out[p] = v;
  }
  return out;
}

export const hasFilter = (f: AgentFilter): boolean => FILTER_PARAMS.some((p) => f[p] !== undefined);

export const lifecycleOf = (spec: AgentSpec): LifecycleState => spec.lifecycle ?? 'proposed';

export function matchesAgentFilter(r: Pick<StoredResource, 'team' | 'spec'>, f: AgentFilter): boolean {
  const spec = r.spec as AgentSpec;
  if (f.team !== undefined && r.team !== f.team) return false;
  if (f.lifecycle !== undefined && lifecycleOf(spec) !== f.lifecycle) return false;
  if (f.model !== undefined && !(spec.models ?? []).includes(f.model)) return false;
  if (f.tool !== undefined && !(spec.tools ?? []).includes(f.tool)) return false;
  return true;
}

export const canReadAgent = (actor: Actor, r: Pick<StoredResource, 'name' | 'team' | 'spec'>): boolean =>
  canAccess(actor, 'read', { kind: 'Agent', name: r.name, team: r.team, spec: r.spec });

/**
 * The teams an agent-registry read covers (undefined: every team), like listing agents: platform
 * admins and FinOps viewers see all, team members their own teams. Asking for another team is
 * refused rather than answered empty (an empty answer would read as "that team has no agents").
 * `what` names what is read in the refusal (the agents, or their drift).
 */
export function agentTeamsFor(actor: Actor, requested: string | readonly string[] | undefined, what: 'agents' | 'agent drift' = 'agents'): readonly string[] | undefined {
  const wanted = typeof requested === 'string' ? [requested] : requested;
  const teams = visibleTeams(actor, 'Agent');
  if (teams === undefined) return wanted;
  if (teams.length === 0) {
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} belongs to no team, so there ${what === 'agents' ? 'are no agents' : 'is no agent drift'} it may read.`);
  }
  const other = wanted?.find((t) => !teams.includes(t));
  if (other !== undefined) {
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may read the ${what} of its own teams only (${[...teams].sort().join(', ')}), not of team "${other}".`, {
      param: 'team',
    });
  }
  return wanted ?? teams;
}

/** Every live Agent resource of the given teams (undefined: all), a page of 1,000 at a time. */
export async function listAgents(store: ResourceStore, teams: readonly string[] | undefined): Promise<StoredResource[]> {
  const out: StoredResource[] = [];
  let after: string | undefined;
  do {
    const page = await store.list('Agent', { limit: 1000, ...(teams ? { teams } : {}), ...(after ? { after } : {}) });
    out.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return out;
}

/** One agent the actor may read: 404 when it does not exist, 403 when it is another team's. */
export async function readableAgent(store: ResourceStore, actor: Actor, name: string): Promise<StoredResource> {
  const r = await store.get('Agent', name);
  if (!r) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `Agent "${name}" does not exist.`);
  if (!canReadAgent(actor, r)) throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not read Agent "${name}".`);
  return r;
}
