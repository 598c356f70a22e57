import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeploymentHealthReader } from '../../data-plane/routing/deployment-health.js';
import { type AlertMessage, CHANNEL_NAMES, type LimitRefusedMessage, type RequestEndMessage, type SnapshotSwapMessage } from '../channels.js';
import { createDriftMetrics } from './drift-metrics.js';
import { createGuardrailMetrics } from './guardrail-metrics.js';
import { createMcpMetrics } from './mcp-metrics.js';
import { createPolicyMetrics } from './policy-metrics.js';
import { createRoutingMetrics } from './routing-metrics.js';

/** Why an alert did not reach the webhook (gantry_alert_webhook_failures_total{reason}). */
export type AlertWebhookFailure = 'dropped' | 'rejected' | 'exhausted' | 'shutdown';

export interface PrometheusMetrics {
  readonly registry: Registry;
  /** Counts an alert the webhook delivery gave up on (main/alerts calls it). */
  alertWebhookFailed(reason: AlertWebhookFailure): void;
  render(): Promise<{ contentType: string; body: string }>;
  close(): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Subscribes to the data plane's telemetry channels and keeps Prometheus metrics in a registry of its
 * own (never prom-client's global one: no module-level state, several instances can coexist in tests).
 */
export function createPrometheusMetrics(options: { defaultMetrics?: boolean; deploymentHealth?: DeploymentHealthReader } = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gantry_' });
  const routing = createRoutingMetrics(registry, options.deploymentHealth);
  const policy = createPolicyMetrics(registry);
  const guardrails = createGuardrailMetrics(registry);
  const mcp = createMcpMetrics(registry);
  const drift = createDriftMetrics(registry);

  const requests = new Counter({
    name: 'gantry_requests_total',
    help: 'Requests answered, by endpoint, model, route, HTTP status and Gantry error code.',
    labelNames: ['endpoint', 'model', 'route', 'status', 'code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'gantry_request_duration_seconds',
    help: 'Time from request arrival to the end of the response.',
    labelNames: ['endpoint', 'model', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const ttft = new Histogram({
    name: 'gantry_time_to_first_token_seconds',
    help: 'Time from request arrival to the first token (streams) or the full response (non-stream).',
    labelNames: ['endpoint', 'model', 'route', 'stream'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'gantry_tokens_total',
    help: 'Tokens metered, by direction: input (all prompt tokens), cached_input (part of input), output.',
    labelNames: ['model', 'route', 'direction'] as const,
    registers: [registry],
  });
  const cost = new Counter({
    name: 'gantry_cost_micro_usd_total',
    help: 'Cost metered, in integer micro-USD (divide by 1e6 for USD).',
    labelNames: ['model', 'team'] as const,
    registers: [registry],
  });
  const upstreamErrors = new Counter({
    name: 'gantry_upstream_errors_total',
    help: 'Upstream failures (timeouts, 5xx, refused connections, interrupted streams).',
    labelNames: ['route', 'code', 'upstream_status'] as const,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'gantry_in_flight_requests',
    help: 'Data-plane requests being served now.',
    registers: [registry],
  });

  const configRevision = new Gauge({
    name: 'gantry_config_revision',
    help: 'Store revision of the configuration snapshot this process serves (compare across replicas to see propagation).',
    // `--workers`: the cluster-wide value is the most behind worker's.
    aggregator: 'min',
    registers: [registry],
  });
  const snapshotKeys = new Gauge({ name: 'gantry_snapshot_api_keys', help: 'Live API key credentials in the served snapshot.', aggregator: 'max', registers: [registry] });
  const compileSeconds = new Histogram({
    name: 'gantry_snapshot_compile_seconds',
    help: 'Time to compile a new configuration snapshot after a change.',
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const syncErrors = new Counter({
    name: 'gantry_snapshot_sync_errors_total',
    help: 'Failed reads of the configuration store (the previous snapshot keeps serving).',
    registers: [registry],
  });

  // prom-client hashes the label object on every call; label sets repeat, so their children are
  // resolved once per distinct combination and reused (bounded by the configured models and routes).
  type Children = {
    requests: ReturnType<typeof requests.labels>;
    latency: ReturnType<typeof latency.labels>;
    ttft: ReturnType<typeof ttft.labels>;
    input: ReturnType<typeof tokens.labels>;
    cached: ReturnType<typeof tokens.labels>;
    output: ReturnType<typeof tokens.labels>;
  };
  const children = new Map<string, Children>();
  const childrenFor = (endpoint: string, model: string, route: string, status: number, code: string, stream: string): Children => {
    const key = `${endpoint}\u0000${model}\u0000${route}\u0000${status}\u0000${code}\u0000${stream}`;
    let c = children.get(key);
    if (!c) {
      c = {
        requests: requests.labels({ endpoint, model, route, status, code }),
        latency: latency.labels({ endpoint, model, route }),
        ttft: ttft.labels({ endpoint, model, route, stream }),
        input: tokens.labels({ model, route, direction: 'input' }),
        cached: tokens.labels({ model, route, direction: 'cached_input' }),
        output: tokens.labels({ model, route, direction: 'output' }),
      };
      if (children.size > 10_000) children.clear(); // a safety valve, never expected in practice
      children.set(key, c);
    }
    return c;
  };

  const alerts = new Counter({
    name: 'gantry_alerts_total',
    help: 'Alerts raised (budget thresholds, spend anomalies, agent drift), by type and subject (budget name or scope). Counted by the process that raised it.',
    labelNames: ['type', 'subject'] as const,
    registers: [registry],
  });
  const limitRefusals = new Counter({
    name: 'gantry_limit_refusals_total',
    help: 'Requests refused by a RateLimit or Budget, by kind (rate, concurrency, budget, unavailable) and limit name.',
    labelNames: ['kind', 'name'] as const,
    registers: [registry],
  });
  const webhookFailures = new Counter({
    name: 'gantry_alert_webhook_failures_total',
    help: 'Alerts that never reached the webhook: dropped (queue full), rejected (4xx), exhausted (retries used up), shutdown (undelivered at exit).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Zero from the start, so `increase()` and alert rules see the first failure.
  for (const reason of ['dropped', 'rejected', 'exhausted', 'shutdown'] as const) webhookFailures.labels({ reason }).inc(0);

  const onStart = () => inFlight.inc();
  const onEnd = (message: unknown) => {
    const m = message as RequestEndMessage;
    inFlight.dec();
    const u = m.usage;
    const c = childrenFor(m.endpoint, u?.model ?? '', u?.route ?? '', m.status, m.errorCode ?? '', u ? String(u.stream) : '');
    c.requests.inc();
    c.latency.observe(m.latencyMs / 1000);
    if (!u) return;
    if (u.ttftMs !== undefined) c.ttft.observe(u.ttftMs / 1000);
    if (u.inputTokens) c.input.inc(u.inputTokens);
    if (u.cachedInputTokens) c.cached.inc(u.cachedInputTokens);
    if (u.outputTokens) c.output.inc(u.outputTokens);
    if (u.costMicros) cost.inc({ model: u.model, team: u.team }, u.costMicros);
    if (u.errorCode?.startsWith('GW_UPSTREAM')) {
      upstreamErrors.inc({ route: u.route ?? '', code: u.errorCode, upstream_status: u.upstreamStatus === undefined ? '' : String(u.upstreamStatus) });
    }
    routing.onUsage(u);
  };
  const onSwap = (message: unknown) => {
    const m = message as SnapshotSwapMessage;
    configRevision.set(m.revision);
    snapshotKeys.set(m.keys);
    compileSeconds.observe(m.compileMs / 1000);
  };
  const onSyncError = () => syncErrors.inc();
  const onAlert = (message: unknown) => {
    const m = message as AlertMessage;
    alerts.inc({ type: m.type, subject: m.subject });
  };
  const onLimitRefused = (message: unknown) => {
    const m = message as LimitRefusedMessage;
    limitRefusals.inc({ kind: m.kind, name: m.name });
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.alert, onAlert);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.limitRefused, onLimitRefused);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.requestStart, onStart);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.requestEnd, onEnd);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.snapshotSwap, onSwap);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.snapshotError, onSyncError);

  return {
    registry,
    alertWebhookFailed(reason) {
      webhookFailures.inc({ reason });
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.requestStart, onStart);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.requestEnd, onEnd);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.snapshotSwap, onSwap);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.snapshotError, onSyncError);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.alert, onAlert);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.limitRefused, onLimitRefused);
      routing.close();
      guardrails.close();
      mcp.close();
      drift.close();
      policy.close();
    },
  };
}
