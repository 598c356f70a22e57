import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../kernel/clock.js';
import { GatewayError, toGatewayError } from '../kernel/errors/index.js';
import type { Logger } from '../kernel/logger.js';
import type { TelemetryChannels } from '../telemetry/channels.js';
import { newRequestContext, type RequestContext, runStages, type Stage } from './context.js';
import { openAiErrorBody, sendError, sendJson } from './http/respond.js';
import type { Limits } from './limits/limits.js';
import type { Meter } from './metering/meter.js';
import type { Route } from './routes/route.js';
import type { SnapshotSource } from './snapshot.js';

export interface RouteEntry {
  readonly route: Route;
  /** Runs authenticate + attribute before the route. */
  readonly authenticated: boolean;
}

export interface DataPlaneDeps {
  readonly snapshots: SnapshotSource;
  readonly clock: Clock;
  readonly newId: (prefix: string) => string;
  readonly logger: Logger;
  readonly meter: Meter;
  /** Budgets and rate limits: settled here when a request ends. */
  readonly limits: Limits;
  readonly channels: TelemetryChannels;
  /** Stages run before every authenticated route (authenticate, attribute). */
  readonly preStages: readonly Stage[];
  /** Exact "METHOD /path" matches. */
  readonly routes: ReadonlyMap<string, RouteEntry>;
  /** Prefix matches for parameterised paths ("GET /v1/models/"). */
  readonly prefixRoutes?: ReadonlyArray<readonly [string, RouteEntry]>;
  readonly readiness: () => Promise<string | undefined>;
  readonly renderMetrics: () => Promise<{ contentType: string; body: string }>;
}

export interface DataPlane {
  handle(req: IncomingMessage, res: ServerResponse): void;
  inFlight(): number;
  /** Refuse new requests with 503 while in-flight ones finish. */
  startDraining(): void;
  /** Aborts every in-flight request (end of the drain period). */
  abortAll(reason: string): void;
}

const CLIENT_GONE = new GatewayError('GW_REQUEST_INVALID', 'The client closed the connection.');

const clientGone = (ctx: RequestContext) => ctx.abort.signal.reason === CLIENT_GONE;

function outcomeOf(ctx: RequestContext, err: GatewayError | undefined): RequestContext['outcome'] {
  if (clientGone(ctx)) return 'client_aborted';
  if (!err) return ctx.outcome;
  return err.code.startsWith('GW_UPSTREAM') ? 'upstream_error' : 'rejected';
}

export function createDataPlane(deps: DataPlaneDeps): DataPlane {
  const { clock, logger, meter } = deps;
  const active = new Set<RequestContext>();
  let draining = false;

  function find(method: string, path: string): RouteEntry | undefined {
    const exact = deps.routes.get(`${method} ${path}`);
    if (exact) return exact;
    for (const [prefix, entry] of deps.prefixRoutes ?? []) if (`${method} ${path}`.startsWith(prefix)) return entry;
    return undefined;
  }

  async function serve(ctx: RequestContext, entry: RouteEntry, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let failure: GatewayError | undefined;
    try {
      if (entry.authenticated) await runStages(deps.preStages, ctx);
      await entry.route.handle(ctx, req, res);
    } catch (err) {
      failure = toGatewayError(err);
      if (failure.code === 'GW_INTERNAL') logger.error({ err, requestId: ctx.requestId }, 'internal error');
      ctx.status = failure.status;
      ctx.errorCode = failure.code;
      ctx.upstreamStatus = failure.upstreamStatus;
      if (ctx.limitHeaders && !res.headersSent) for (const name in ctx.limitHeaders) res.setHeader(name, ctx.limitHeaders[name] as string);
      if (!clientGone(ctx)) sendError(res, failure, entry.route.errorBody ? entry.route.errorBody(failure) : openAiErrorBody(failure));
    } finally {
      active.delete(ctx);
      // A stream cut by shutdown returns without ending the response: close it here.
      if (!res.writableEnded && !res.destroyed) res.end();
      ctx.outcome = outcomeOf(ctx, failure);
      if (ctx.model) {
        const event = meter.finish(ctx);
        if (ctx.admission) deps.limits.settle(ctx, event);
      } else meter.unmetered(ctx, failure);
      if (failure && failure.status >= 500) {
        logger.warn({ requestId: ctx.requestId, code: failure.code, status: failure.status, upstreamStatus: failure.upstreamStatus, msg: failure.message }, 'request failed');
      }
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = deps.newId('req_');
    res.setHeader('x-gantry-request-id', requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';

    if (path === '/healthz') {
      sendJson(res, 200, '{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      deps.readiness().then(
        (problem) => (problem ? sendError(res, new GatewayError('GW_NOT_READY', `Not ready: ${problem}`)) : sendJson(res, 200, '{"status":"ready"}')),
        (err) => sendError(res, new GatewayError('GW_NOT_READY', `Not ready: ${String(err)}`)),
      );
      return;
    }
    if (path === '/metrics' && method === 'GET') {
      deps.renderMetrics().then(
        (m) => {
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
        },
        (err) => sendError(res, toGatewayError(err)),
      );
      return;
    }

    const entry = find(method, path);
    if (!entry) {
      sendError(res, new GatewayError('GW_ROUTE_NOT_FOUND', `No such endpoint: ${method} ${path}. See docs/api.md for the endpoints Gantry serves.`));
      return;
    }
    const snapshot = deps.snapshots.current();
    if (draining || !snapshot) {
      res.setHeader('connection', 'close');
      sendError(res, new GatewayError(draining ? 'GW_SHUTTING_DOWN' : 'GW_NOT_READY'));
      return;
    }
    const ctx = newRequestContext({
      requestId,
      endpoint: entry.route.endpoint,
      startedAt: clock.now(),
      startMono: clock.monotonic(),
      headers: req.headers,
      snapshot,
    });
    active.add(ctx);
    // A client that goes away aborts the upstream call; usage of what was delivered is still metered.
    res.on('close', () => {
      if (!res.writableFinished) ctx.abort.abort(CLIENT_GONE);
    });
    if (deps.channels.requestStart.hasSubscribers) deps.channels.requestStart.publish({ endpoint: entry.route.endpoint });
    void serve(ctx, entry, req, res);
  }

  return {
    handle,
    inFlight: () => active.size,
    startDraining() {
      draining = true;
    },
    abortAll(reason) {
      for (const ctx of active) ctx.abort.abort(new GatewayError('GW_SHUTTING_DOWN', reason));
    },
  };
}
