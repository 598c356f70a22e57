import { isCacheHit, type UsageEvent } from '../kernel/types.js';
import {
  type AttributionDimension,
  ATTRIBUTION_DIMENSIONS,
  DAY_MS,
  type Dimension,
  HOUR_MS,
  type UsageQuery,
  type UsageRow,
  type UsageSums,
} from './ports/ledger-store.js';

/** What every adapter shares about rollups: keys, sums, ordering, day-sized export chunks. */

export const ZERO_SUMS: UsageSums = {
  requests: 0,
  errors: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  outputTokens: 0,
  costMicros: 0,
  savingsMicros: 0,
  cacheHits: 0,
};

export function addSums(a: UsageSums, b: UsageSums): UsageSums {
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + b.cacheWriteInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costMicros: a.costMicros + b.costMicros,
    savingsMicros: a.savingsMicros + b.savingsMicros,
    cacheHits: a.cacheHits + b.cacheHits,
  };
}

export function sumsOfEvent(e: UsageEvent): UsageSums {
  return {
    requests: 1,
    errors: e.status >= 400 ? 1 : 0,
    inputTokens: e.inputTokens,
    cachedInputTokens: e.cachedInputTokens,
    cacheWriteInputTokens: e.cacheWriteInputTokens,
    outputTokens: e.outputTokens,
    costMicros: e.costMicros,
    savingsMicros: e.savingsMicros ?? 0,
    cacheHits: isCacheHit(e.cache) ? 1 : 0,
  };
}

/** An event's rollup dimensions; absent values are '' (as stored in the rollup tables). */
export function rollupDims(e: UsageEvent): Record<AttributionDimension, string> {
  return {
    team: e.team,
    user: e.user ?? '',
    apiKey: e.keyId,
    agent: e.agent ?? '',
    workflow: e.workflow ?? '',
    repo: e.tags.repo ?? '',
    model: e.model,
    provider: e.provider ?? '',
    route: e.route ?? '',
  };
}

export const hourOf = (ts: number): number => Math.floor(ts / HOUR_MS) * HOUR_MS;
export const dayOf = (ts: number): number => Math.floor(ts / DAY_MS) * DAY_MS;

/** The time bucket a query orders by first (the finer one when both are asked). */
export function timeDimension(groupBy: readonly Dimension[]): 'hour' | 'day' | undefined {
  if (groupBy.includes('hour')) return 'hour';
  return groupBy.includes('day') ? 'day' : undefined;
}

const asText = (v: string | number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/** Time bucket ascending, cost descending, then each grouped dimension ascending (bytewise). */
export function compareUsageRows(groupBy: readonly Dimension[]): (a: UsageRow, b: UsageRow) => number {
  const time = timeDimension(groupBy);
  return (a, b) => {
    if (time) {
      const d = Number(a.dims[time]) - Number(b.dims[time]);
      if (d !== 0) return d;
    }
    if (a.costMicros !== b.costMicros) return b.costMicros - a.costMicros;
    for (const dim of groupBy) {
      const x = asText(a.dims[dim]);
      const y = asText(b.dims[dim]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
}

/** Teams of a filter as a list (undefined: no team filter). */
export function filterTeams(filter: UsageQuery['filter']): readonly string[] | undefined {
  const team = filter?.team;
  if (team === undefined) return undefined;
  return typeof team === 'string' ? [team] : team;
}

export const DEFAULT_USAGE_LIMIT = 10_000;

/** [from, to) cut into UTC days (the export's unit of work: one query, bounded memory). */
export function* dayChunks(from: number, to: number): Generator<{ from: number; to: number }> {
  for (let start = from; start < to; ) {
    const end = Math.min(to, dayOf(start) + DAY_MS);
    yield { from: start, to: end };
    start = end;
  }
}

/**
 * Rollup rows of events (only those actually inserted): [bucket, team, user, key, agent, workflow,
 * repo, model, provider, route, requests, errors, input, cached input, cache write, output, cost,
 * savings], absent values as '', summed per key and sorted by key, so every writer takes row locks
 * in one order. `bucket`: the UTC hour or day (epoch ms).
 */
export function rollupRows(events: readonly UsageEvent[], bucket: 'hour' | 'day'): (string | number)[][] {
  const groups = new Map<string, { key: (string | number)[]; sums: UsageSums }>();
  for (const e of events) {
    const d = rollupDims(e);
    const key: (string | number)[] = [bucket === 'hour' ? hourOf(e.ts) : dayOf(e.ts), ...ATTRIBUTION_DIMENSIONS.map((dim) => d[dim])];
    const id = key.join('\u0000');
    const prev = groups.get(id);
    if (prev) prev.sums = addSums(prev.sums, sumsOfEvent(e));
    else groups.set(id, { key, sums: sumsOfEvent(e) });
  }
  const compare = (a: (string | number)[], b: (string | number)[]) => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i] as string | number;
      const y = b[i] as string | number;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  return [...groups.values()]
    .sort((a, b) => compare(a.key, b.key))
    .map(({ key, sums: s }) => [
      ...key,
      s.requests,
      s.errors,
      s.inputTokens,
      s.cachedInputTokens,
      s.cacheWriteInputTokens,
      s.outputTokens,
      s.costMicros,
      s.savingsMicros,
      s.cacheHits,
    ]);
}

/** Rollup table columns in the order of `rollupRows` (after the bucket column). */
export const ROLLUP_KEY_COLUMNS = ['team', 'user_name', 'key_id', 'agent', 'workflow', 'repo', 'model', 'provider', 'route'] as const;
export const ROLLUP_SUM_COLUMNS = [
  'requests',
  'errors',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_input_tokens',
  'output_tokens',
  'cost_micros',
  'savings_micros',
  'cache_hits',
] as const;
