import type { ErrorCode } from '../../kernel/errors/index.js';
import type { UsageEvent } from '../../kernel/types.js';

/**
 * The usage_events row, shared by the SQLite and Postgres ledgers. Insert order of the columns is
 * explicit (migrations appended user_name, savings_micros and the routing columns at the end of the SQLite table).
 */
export const EVENT_COLUMNS = [
  'request_id', 'ts', 'endpoint', 'key_id', 'team', 'user_name', 'agent', 'workflow', 'run', 'tags', 'model', 'route', 'provider',
  'stream', 'input_tokens', 'cached_input_tokens', 'cache_write_input_tokens', 'output_tokens', 'usage_estimated', 'cost_micros',
  'savings_micros', 'price_version', 'latency_ms', 'ttft_ms', 'status', 'error_code', 'outcome', 'upstream_status',
  'served_model', 'route_reason', 'cache_status', 'attempts', 'policy_evidence', 'guardrail_evidence',
] as const;

/**
 * Appends one event's values in EVENT_COLUMNS order (into the caller's array: no allocation per
 * row). SQLite stores booleans as 0/1; Postgres as booleans.
 */
export function pushEventValues(out: unknown[], e: UsageEvent, booleans: 'int' | 'bool'): void {
  const flag = (b: boolean) => (booleans === 'int' ? (b ? 1 : 0) : b);
  out.push(
    e.requestId,
    e.ts,
    e.endpoint,
    e.keyId,
    e.team,
    e.user ?? null,
    e.agent ?? null,
    e.workflow ?? null,
    e.run ?? null,
    JSON.stringify(e.tags),
    e.model,
    e.route ?? null,
    e.provider ?? null,
    flag(e.stream),
    e.inputTokens,
    e.cachedInputTokens,
    e.cacheWriteInputTokens,
    e.outputTokens,
    flag(e.usageEstimated),
    e.costMicros,
    e.savingsMicros ?? 0,
    e.priceVersion,
    e.latencyMs,
    e.ttftMs ?? null,
    e.status,
    e.errorCode ?? null,
    e.outcome,
    e.upstreamStatus ?? null,
    e.servedModel ?? null,
    e.routeReason ?? null,
    e.cache ?? null,
    e.attempts ?? null,
    e.policy ?? null,
    e.guardrails ?? null,
  );
}

/**
 * A usage_events row as either driver returns it: SQLite gives numbers, 0/1 and tags as JSON text;
 * pg gives bigint columns as strings, booleans, and jsonb as an object.
 */
export interface EventRow {
  request_id: string;
  ts: number | string;
  endpoint: string;
  key_id: string;
  team: string;
  user_name: string | null;
  agent: string | null;
  workflow: string | null;
  run: string | null;
  tags: string | Record<string, string>;
  model: string;
  route: string | null;
  provider: string | null;
  stream: number | boolean;
  input_tokens: number | string;
  cached_input_tokens: number | string;
  cache_write_input_tokens: number | string;
  output_tokens: number | string;
  usage_estimated: number | boolean;
  cost_micros: number | string;
  savings_micros: number | string;
  price_version: string;
  latency_ms: number;
  ttft_ms: number | null;
  status: number;
  error_code: string | null;
  outcome: string;
  upstream_status: number | null;
  served_model: string | null;
  route_reason: string | null;
  cache_status: string | null;
  attempts: number | null;
  policy_evidence: string | null;
  guardrail_evidence: string | null;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function eventFromRow(r: EventRow): UsageEvent {
  return {
    requestId: r.request_id,
    ts: Number(r.ts),
    endpoint: r.endpoint as UsageEvent['endpoint'],
    keyId: r.key_id,
    team: r.team,
    user: opt(r.user_name),
    agent: opt(r.agent),
    workflow: opt(r.workflow),
    run: opt(r.run),
    tags: typeof r.tags === 'string' ? (JSON.parse(r.tags) as Record<string, string>) : r.tags,
    model: r.model,
    route: opt(r.route),
    provider: opt(r.provider),
    stream: r.stream === true || r.stream === 1,
    inputTokens: Number(r.input_tokens),
    cachedInputTokens: Number(r.cached_input_tokens),
    cacheWriteInputTokens: Number(r.cache_write_input_tokens),
    outputTokens: Number(r.output_tokens),
    usageEstimated: r.usage_estimated === true || r.usage_estimated === 1,
    costMicros: Number(r.cost_micros),
    savingsMicros: Number(r.savings_micros),
    priceVersion: r.price_version,
    latencyMs: r.latency_ms,
    ttftMs: opt(r.ttft_ms),
    status: r.status,
    errorCode: opt(r.error_code) as ErrorCode | undefined,
    outcome: r.outcome as UsageEvent['outcome'],
    upstreamStatus: opt(r.upstream_status),
    servedModel: opt(r.served_model),
    routeReason: opt(r.route_reason),
    cache: opt(r.cache_status),
    attempts: opt(r.attempts),
    policy: opt(r.policy_evidence),
    guardrails: opt(r.guardrail_evidence),
  };
}
