import { isoTime } from '../../kernel/clock.js';
import { DAY_MS } from '../../storage/ports/ledger-store.js';
import { type DriftReader, presentFinding } from '../agents/inventory.js';
import { agentTeamsFor } from '../agents/registry-view.js';
import { actorOf, intParam } from './request.js';
import type { AdminRoute } from './types.js';

export interface DriftRouteDeps {
  /** The drift findings (DriftStore); undefined: this process keeps none (the list is empty). */
  readonly drift: DriftReader | undefined;
  readonly now: () => number;
}

const names = (url: URL, param: string): string[] | undefined => {
  const raw = url.searchParams.getAll(param).flatMap((v) => v.split(','));
  const list = raw.map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
};

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
        // Like reading agents: team members see their own teams; asking for another team is refused.
        const teams = agentTeamsFor(actor, names(req.url, 'team'), 'agent drift');
        const agents = names(req.url, 'agent');
        const since = deps.now() - days * DAY_MS;
        const found = deps.drift ? await deps.drift.list({ since, limit, ...(agents ? { agents } : {}), ...(teams ? { teams } : {}) }) : [];
        return { status: 200, body: { object: 'list', since: isoTime(since), data: found.map(presentFinding) } };
      },
    },
  ];
}
