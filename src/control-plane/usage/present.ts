import { isoTime } from '../../kernel/clock.js';
import { formatMicrosAsUsd, type Micros } from '../../kernel/money.js';
import type { Dimension, UsageResult, UsageSums } from '../../storage/ports/ledger-store.js';

/** Cost per 1,000 requests in micros, rounded half up to the micro-dollar (exact integer math). */
export function costPer1kRequestsMicros(costMicros: Micros, requests: number): Micros {
  if (requests <= 0) return 0;
  const r = BigInt(requests);
  return Number((BigInt(costMicros) * 2000n + r) / (2n * r));
}

/** Sums with their USD renderings (exact decimal strings), as the usage API answers them. */
export function presentSums(s: UsageSums) {
  return {
    requests: s.requests,
    errors: s.errors,
    inputTokens: s.inputTokens,
    cachedInputTokens: s.cachedInputTokens,
    cacheWriteInputTokens: s.cacheWriteInputTokens,
    outputTokens: s.outputTokens,
    costMicros: s.costMicros,
    costUsd: formatMicrosAsUsd(s.costMicros),
    costPer1kRequestsUsd: formatMicrosAsUsd(costPer1kRequestsMicros(s.costMicros, s.requests)),
    savingsMicros: s.savingsMicros,
    savingsUsd: formatMicrosAsUsd(s.savingsMicros),
    cacheHits: s.cacheHits,
  };
}

export type PresentedSums = ReturnType<typeof presentSums>;

/** The body of `GET /admin/v1/usage`: dimension values first (hour/day as RFC 3339), then the sums. */
export function presentUsage(result: UsageResult, groupBy: readonly Dimension[]) {
  return {
    from: isoTime(result.from),
    to: isoTime(result.to),
    groupBy,
    rows: result.rows.map((row) => {
      const dims: Record<string, string | null> = {};
      for (const d of groupBy) {
        const v = row.dims[d];
        dims[d] = typeof v === 'number' ? isoTime(v) : (v ?? null);
      }
      return { ...dims, ...presentSums(row) };
    }),
    truncated: result.truncated,
    totals: presentSums(result.totals),
  };
}
