import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { LedgerStore } from '../../storage/ports/ledger-store.js';
import { canReadUsage } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { renderFocusCsv } from '../usage/focus-csv.js';
import { presentUsage } from '../usage/present.js';
import { parseUsageParams, USAGE_QUERY } from '../usage/query.js';
import { usageTeamsFor } from '../usage/scope.js';
import { actorOf, intParam } from './request.js';
import type { AdminRoute, QueryParam } from './types.js';

export interface UsageRouteDeps {
  readonly ledger: LedgerStore;
  /** Writes the usage events waiting in this process, so a read sees the requests just answered. */
  readonly flushUsage: () => Promise<void>;
  readonly now: () => number;
}

function requireUsageReader(actor: Actor): void {
  if (!canReadUsage(actor)) throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not read usage events (finops-viewer or platform-admin).`);
}

/** Flushing is best effort: a ledger hiccup must not fail a read of what is already stored. */
async function flushed(deps: UsageRouteDeps): Promise<void> {
  await deps.flushUsage().catch(() => undefined);
}

/** The usage ledger over the admin API: events, totals, grouped usage (rollups) and the FOCUS export. */
export function usageRoutes(deps: UsageRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/usage',
      auth: 'authenticated',
      query: USAGE_QUERY,
      summary:
        'Usage grouped by ?groupBy=team,user,apiKey,agent,workflow,repo,model,provider,route,hour,day over ?from=&to= (ISO 8601 or epoch ms; default the last 30 days; whole UTC hours), filtered by ?team=a,b&agent=…; team admins and developers see their own teams.',
      async handle(req) {
        const actor = actorOf(req);
        const p = parseUsageParams(req.url, deps.now());
        const teams = usageTeamsFor(actor, p.teams);
        await flushed(deps);
        const result = await deps.ledger.usage({
          from: p.from,
          to: p.to,
          groupBy: p.groupBy,
          filter: { ...p.filter, ...(teams === undefined ? {} : { team: teams }) },
          limit: p.limit,
        });
        return { status: 200, body: presentUsage(result, p.groupBy) };
      },
    },
    {
      method: 'GET',
      path: '/usage/export',
      auth: 'authenticated',
      query: { format: { description: 'focus-csv (the only format).' }, from: USAGE_QUERY.from as QueryParam, to: USAGE_QUERY.to as QueryParam, team: USAGE_QUERY.team as QueryParam },
      summary: 'FOCUS 1.2 CSV of the usage in ?from=&to= (?format=focus-csv; streamed, text/csv); team admins and developers get their own teams.',
      async handle(req) {
        const actor = actorOf(req);
        const format = req.url.searchParams.get('format') ?? 'focus-csv';
        if (format !== 'focus-csv') throw new GatewayError('GW_REQUEST_INVALID', `format must be focus-csv (got "${format.slice(0, 40)}").`, { param: 'format' });
        const p = parseUsageParams(req.url, deps.now());
        // The export filters by team only: another filter must not be ignored silently (a file of
        // every agent's cost taken for one agent's).
        const unsupported = Object.keys(p.filter)[0];
        if (unsupported !== undefined) {
          throw new GatewayError('GW_REQUEST_INVALID', `The export filters by team and time only; "${unsupported}" is not supported here (filter the CSV's x_ columns instead).`, { param: unsupported });
        }
        const teams = usageTeamsFor(actor, p.teams);
        await flushed(deps);
        const name = `gantry-focus-${isoTime(p.from).slice(0, 13)}-${isoTime(p.to).slice(0, 13)}.csv`.replace(/:/g, '');
        return {
          status: 200,
          stream: { contentType: 'text/csv; charset=utf-8', chunks: renderFocusCsv(deps.ledger.exportRows(p.from, p.to, teams === undefined ? {} : { teams })) },
          headers: { 'content-disposition': `attachment; filename="${name}"` },
        };
      },
    },
    {
      method: 'GET',
      path: '/usage/events',
      auth: 'authenticated',
      query: { limit: { description: 'The newest N events, 1-10000 (default 100).', type: 'integer' }, requestId: { description: 'The one event of this request id.' } },
      summary: 'Recent usage events, or one by ?requestId= (finops-viewer, platform admin).',
      async handle(req) {
        const actor = actorOf(req);
        requireUsageReader(actor);
        const limit = intParam(req.url, 'limit', 100, 1, 10_000);
        await flushed(deps);
        const requestId = req.url.searchParams.get('requestId');
        const events = requestId ? [await deps.ledger.get(requestId)].filter(Boolean) : await deps.ledger.recent(limit);
        return { status: 200, body: { object: 'list', data: events } };
      },
    },
    {
      method: 'GET',
      path: '/usage/totals',
      auth: 'authenticated',
      summary: 'Usage totals: events and cost.',
      async handle(req) {
        requireUsageReader(actorOf(req));
        await flushed(deps);
        const totals = await deps.ledger.totals();
        return { status: 200, body: { events: totals.events, costMicros: totals.costMicros, costUsd: formatMicrosAsUsd(totals.costMicros) } };
      },
    },
  ];
}
