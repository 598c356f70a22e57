import type { UsageEvent } from '../kernel/types.js';

/** The integer columns of a usage event (INTEGER in SQLite STRICT tables, bigint in Postgres). */
const INTEGER_FIELDS = ['ts', 'inputTokens', 'cachedInputTokens', 'cacheWriteInputTokens', 'outputTokens', 'costMicros', 'savingsMicros', 'status'] as const;

/** A number a ledger column takes: an integer in the safe range (non-numbers and NaN → 0, fractions rounded). */
function integer(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return 0;
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.round(n)));
}

const finite = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/**
 * The event as every ledger can store it. One event the database refuses (an upstream that reports
 * 12.5 or "abc" tokens for a free model, say) would otherwise fail its whole batch on every retry:
 * the writer would stop recording usage for good, and a replayed outbox segment would never clear.
 * Valid events come back as they are (the same object: this is on the request path).
 */
export function storableEvent(e: UsageEvent): UsageEvent {
  let ok = Number.isFinite(e.latencyMs) && (e.ttftMs === undefined || Number.isFinite(e.ttftMs));
  ok &&= e.upstreamStatus === undefined || Number.isSafeInteger(e.upstreamStatus);
  for (const f of INTEGER_FIELDS) ok &&= f === 'savingsMicros' && e[f] === undefined ? true : Number.isSafeInteger(e[f]);
  if (ok) return e;
  const out: Record<string, unknown> = { ...e };
  for (const f of INTEGER_FIELDS) out[f] = integer(e[f]);
  out.latencyMs = finite(e.latencyMs);
  if (e.ttftMs !== undefined) out.ttftMs = finite(e.ttftMs);
  if (e.upstreamStatus !== undefined) out.upstreamStatus = integer(e.upstreamStatus);
  return out as unknown as UsageEvent;
}
