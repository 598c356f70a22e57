import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CHANNEL_NAMES, type RequestEndMessage } from '../channels.js';

export interface PrometheusMetrics {
  readonly registry: Registry;
  render(): Promise<{ contentType: string; body: string }>;
  close(): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Subscribes to the data plane's telemetry channels and keeps Prometheus metrics in a registry of its
 * own (never prom-client's global one: no module-level state, several instances can coexist in tests).
 */
export function createPrometheusMetrics(options: { defaultMetrics?: boolean } = {}): PrometheusMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'gantry_' });

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

  const onStart = () => inFlight.inc();
  const onEnd = (message: unknown) => {
    const m = message as RequestEndMessage;
    inFlight.dec();
    const u = m.usage;
    const model = u?.model ?? '';
    const route = u?.route ?? '';
    requests.inc({ endpoint: m.endpoint, model, route, status: m.status, code: m.errorCode ?? '' });
    latency.observe({ endpoint: m.endpoint, model, route }, m.latencyMs / 1000);
    if (!u) return;
    if (u.ttftMs !== undefined) ttft.observe({ endpoint: m.endpoint, model, route, stream: String(u.stream) }, u.ttftMs / 1000);
    if (u.inputTokens) tokens.inc({ model, route, direction: 'input' }, u.inputTokens);
    if (u.cachedInputTokens) tokens.inc({ model, route, direction: 'cached_input' }, u.cachedInputTokens);
    if (u.outputTokens) tokens.inc({ model, route, direction: 'output' }, u.outputTokens);
    if (u.costMicros) cost.inc({ model, team: u.team }, u.costMicros);
    if (u.errorCode?.startsWith('GW_UPSTREAM')) {
      upstreamErrors.inc({ route, code: u.errorCode, upstream_status: u.upstreamStatus === undefined ? '' : String(u.upstreamStatus) });
    }
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.requestStart, onStart);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.requestEnd, onEnd);

  return {
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.requestStart, onStart);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.requestEnd, onEnd);
    },
  };
}
