import { GatewayError } from '../../kernel/errors/index.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess, visibleTeams } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { renderResource, type RenderedResource } from '../resources/render.js';
import type { Kind } from '../resources/registry.js';
import type { ServiceDeps } from './deps.js';

export interface ListOptions {
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly limit: number;
  readonly after: string | undefined;
}

export interface ReadDeps extends ServiceDeps {
  /** Spend per agent name from the usage ledger (micro-USD), for `gantry get agents`. */
  readonly spendByAgent: (agents: readonly string[]) => Promise<ReadonlyMap<string, number>>;
}

/** get / list with RBAC: lists only what the actor may see, a page at a time (keyset pagination). */
export function createReader(deps: ReadDeps) {
  async function enrich(kind: Kind, items: StoredResource[]): Promise<RenderedResource[]> {
    if (kind !== 'Agent' || items.length === 0) return items.map((r) => renderResource(r));
    const spend = await deps.spendByAgent(items.map((r) => r.name));
    return items.map((r) => {
      const micros = spend.get(r.name) ?? 0;
      return renderResource(r, { spendMicros: micros, spendUsd: formatMicrosAsUsd(micros) });
    });
  }

  return {
    async get(actor: Actor, kind: Kind, name: string): Promise<RenderedResource> {
      const r = await deps.store.get(kind, name);
      if (!r) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `${kind} "${name}" does not exist.`);
      if (!canAccess(actor, 'read', { kind, name, team: r.team, spec: r.spec })) {
        throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not read ${kind} "${name}".`);
      }
      return (await enrich(kind, [r]))[0] as RenderedResource;
    },

    async list(actor: Actor, kind: Kind, options: ListOptions): Promise<{ items: RenderedResource[]; continue: string | null }> {
      const teams = visibleTeams(actor, kind);
      const scoped = kind === 'ApiKey' || kind === 'Agent' || kind === 'Team';
      const probe = { kind, name: '', team: teams?.[0], spec: undefined };
      // Platform-level kinds: readable as a whole or not at all.
      if (!scoped && kind !== 'User' && !canAccess(actor, 'read', probe)) {
        throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not list ${kind} resources.`);
      }
      if (scoped && teams !== undefined && teams.length === 0) {
        throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} belongs to no team, so there are no ${kind} resources it may list.`);
      }
      // A developer (no team-admin role anywhere) sees only their own keys: filtered in SQL, not by scanning.
      const onlyOwn = kind === 'ApiKey' && teams !== undefined && actor.user !== undefined && [...actor.teamRoles.values()].every((r) => r === 'developer');
      const page = await deps.store.list(kind, {
        labels: options.labels,
        teams: scoped ? teams : undefined,
        ...(onlyOwn ? { owner: actor.user } : {}),
        limit: options.limit,
        after: options.after,
      });
      // Per-object rules (a developer's own keys; users sharing a team): a page may hold fewer than
      // `limit` items; `continue` still walks every row exactly once.
      const visible = page.items.filter((r) => canAccess(actor, 'read', { kind, name: r.name, team: r.team, spec: r.spec }));
      return { items: await enrich(kind, visible), continue: page.next ?? null };
    },
  };
}
