import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { DriftFinding, DriftQuery } from '../../storage/ports/drift-store.js';
import { visibleTeams } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { actorOf, intParam } from './request.js';
import type { AdminRoute } from './types.js';

const DAY_MS = 86_400_000;

export interface DriftRouteDeps {
  /** The drift findings (DriftStore); undefined: this process keeps none (the list is empty). */
  readonly drift: { list(q: DriftQuery): Promise<DriftFinding[]> } | undefined;
  readonly now: () => number;
}

/** One finding on the wire: times in RFC 3339, no item for an unregistered agent. */
export interface WireDriftFinding {
  readonly agent: string;
  readonly team: string;
  readonly kind: DriftFinding['kind'];
  readonly item: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
}

const names = (url: URL, param: string): string[] | undefined => {
  const raw = url.searchParams.getAll(param).flatMap((v) => v.split(','));
  const list = raw.map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
};

/**
 * The teams whose drift an actor may read, like reading agents: platform admins and FinOps viewers see
 * every team; team members their own teams. Asking for another team is refused rather than emptied.
 */
function driftTeamsFor(actor: Actor, requested: string[] | undefined): string[] | undefined {
  const visible = visibleTeams(actor, 'Agent');
  if (visible === undefined) return requested;
  if (visible.length === 0) throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} belongs to no team, so there is no agent drift it may read.`);
  const other = requested?.find((t) => !visible.includes(t));
  if (other !== undefined) {
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may read the agent drift of its own teams only (${[...visible].sort().join(', ')}), not of team "${other}".`, { param: 'team' });
  }
  return requested ?? visible;
}

export function presentFinding(f: DriftFinding): WireDriftFinding {
  return { agent: f.agent, team: f.team, kind: f.kind, item: f.item === '' ? null : f.item, firstSeen: isoTime(f.firstSeen), lastSeen: isoTime(f.lastSeen), count: f.count };
}

/** Agent drift over the admin API (docs/agents.md#drift-detection). Registered before the generic `/{plural}/{name}` routes. */
export function driftRoutes(deps: DriftRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/agents/drift',
      auth: 'authenticated',
      query: {
        days: { description: 'Findings last seen in the last N days, 1-366 (default 7).', type: 'integer' },
        agent: { description: 'Only these agents (comma-separated, or the parameter repeated).' },
        team: { description: 'Only these teams (comma-separated, or the parameter repeated).' },
        limit: { description: 'At most this many findings, 1-10000 (default 1000).', type: 'integer' },
      },
      summary:
        'Agent drift findings (unregistered agents in traffic, models and tools outside an agent\'s declaration) last seen in the past ?days= (default 7, up to 366), filtered by ?agent=a,b&team=…, newest first; team members see their own teams.',
      async handle(req) {
        const actor = actorOf(req);
        const days = intParam(req.url, 'days', 7, 1, 366);
        const limit = intParam(req.url, 'limit', 1000, 1, 10_000);
        const teams = driftTeamsFor(actor, names(req.url, 'team'));
        const agents = names(req.url, 'agent');
        const since = deps.now() - days * DAY_MS;
        const found = deps.drift ? await deps.drift.list({ since, limit, ...(agents ? { agents } : {}), ...(teams ? { teams } : {}) }) : [];
        return { status: 200, body: { object: 'list', since: isoTime(since), data: found.map(presentFinding) } };
      },
    },
  ];
}
