import { type DeploymentStatus, NEVER_CALLED } from '../../data-plane/routing/deployment-health.js';
import type { RuntimeSnapshot } from '../../data-plane/snapshot.js';
import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { canAccess } from '../rbac/authorize.js';
import { actorOf } from './request.js';
import type { AdminRoute } from './types.js';

/**
 * What the deployments endpoint reads. Functions, not objects: the admin API is control plane and
 * must not hold data-plane runtime code (main/ passes the snapshot holder and the health reader in).
 */
export interface DeploymentRouteDeps {
  readonly snapshot: () => RuntimeSnapshot | undefined;
  /** This process's deployment health (empty when the data plane does not run here). */
  readonly health: () => readonly DeploymentStatus[];
}

/** One row of GET /admin/v1/deployments: the routing table entry and this process's view of its health. */
export interface DeploymentRow {
  readonly model: string;
  readonly deployment: string;
  /** False: seen by this process but no longer in the configuration (removed since). */
  readonly configured: boolean;
  readonly provider: string | null;
  readonly upstreamModel: string | null;
  readonly weight: number | null;
  readonly priority: number | null;
  readonly strategy: string | null;
  readonly state: DeploymentStatus['state'];
  readonly consecutiveFailures: number;
  readonly retryAt: string | null;
  readonly inFlight: number;
  readonly ewmaLatencyMs: number | null;
  readonly ewmaTtftMs: number | null;
  readonly successes: number;
  readonly failures: number;
  readonly lastError: string | null;
  readonly lastSeenAt: string | null;
}

const round1 = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);
const iso = (ms: number | undefined) => (ms === undefined ? null : isoTime(ms));

function healthFields(h: Omit<DeploymentStatus, 'model' | 'deployment'>) {
  return {
    state: h.state,
    consecutiveFailures: h.consecutiveFailures,
    retryAt: iso(h.retryAt),
    inFlight: h.inFlight,
    ewmaLatencyMs: round1(h.ewmaLatencyMs),
    ewmaTtftMs: round1(h.ewmaTtftMs),
    successes: h.successes,
    failures: h.failures,
    lastError: h.lastError ?? null,
    lastSeenAt: iso(h.lastSeenAt),
  };
}

/**
 * The routing table joined with health: every deployment of every model in the snapshot (in the
 * model's priority order), then deployments the health reader still knows that the configuration
 * no longer has. Models sorted by name.
 */
export function deploymentRows(snapshot: RuntimeSnapshot | undefined, health: readonly DeploymentStatus[], model: string | undefined): DeploymentRow[] {
  const key = (m: string, d: string) => `${m}\u0000${d}`;
  const byKey = new Map(health.map((h) => [key(h.model, h.deployment), h]));
  const rows: DeploymentRow[] = [];
  const models = [...(snapshot?.models.values() ?? [])].filter((m) => model === undefined || m.name === model).sort((a, b) => a.name.localeCompare(b.name));
  for (const m of models) {
    for (const d of m.deployments) {
      const k = key(m.name, d.target.id);
      const h = byKey.get(k);
      byKey.delete(k);
      rows.push({
        model: m.name,
        deployment: d.target.id,
        configured: true,
        provider: d.target.provider,
        upstreamModel: d.target.upstreamModel,
        weight: d.weight,
        priority: d.priority,
        strategy: m.routing.strategy,
        ...healthFields(h ?? NEVER_CALLED),
      });
    }
  }
  for (const h of byKey.values()) {
    if (model !== undefined && h.model !== model) continue;
    rows.push({ model: h.model, deployment: h.deployment, configured: false, provider: null, upstreamModel: null, weight: null, priority: null, strategy: null, ...healthFields(h) });
  }
  return rows;
}

/** GET /deployments: the routing table and its health, as this process sees it. */
export function deploymentRoutes(deps: DeploymentRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/deployments',
      auth: 'authenticated',
      summary:
        "Every model's deployments (provider, upstream model, weight, priority, strategy) with circuit breaker state, in-flight calls, EWMA latency and TTFT, successes, failures and last error; ?model= for one model. Health is per process: with --workers the answer is the serving worker's (x-gantry-worker). Readers of Models.",
      async handle(req) {
        const actor = actorOf(req);
        if (!canAccess(actor, 'read', { kind: 'Model', name: '', team: undefined, spec: undefined })) {
          throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not read Models (team members, finops-viewer, platform-admin).`);
        }
        const model = req.url.searchParams.get('model') ?? undefined;
        const snapshot = deps.snapshot();
        const rows = deploymentRows(snapshot, deps.health(), model === '' ? undefined : model);
        if (model && rows.length === 0 && !snapshot?.models.has(model)) {
          const route = snapshot?.routes.get(model);
          if (route) throw new GatewayError('GW_REQUEST_INVALID', `"${model}" is a Route, not a Model; ask for one of its models: ${route.targets.join(', ')}.`, { param: 'model' });
          throw new GatewayError('GW_RESOURCE_NOT_FOUND', `Model "${model.slice(0, 200)}" does not exist (gantry get models lists them).`);
        }
        return { status: 200, body: { object: 'list', data: rows } };
      },
    },
  ];
}
