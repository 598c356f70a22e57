import type { Micros } from '../../kernel/money.js';
import type { UsageEvent } from '../../kernel/types.js';

/** Attribution dimensions of the hourly rollups (what `usage` groups and filters by). */
export const ATTRIBUTION_DIMENSIONS = ['team', 'user', 'apiKey', 'agent', 'workflow', 'repo', 'model', 'provider', 'route'] as const;
export type AttributionDimension = (typeof ATTRIBUTION_DIMENSIONS)[number];
/** Time buckets: the UTC hour or the UTC day of the rollup. */
export const TIME_DIMENSIONS = ['hour', 'day'] as const;
export type TimeDimension = (typeof TIME_DIMENSIONS)[number];
export type Dimension = AttributionDimension | TimeDimension;
export const DIMENSIONS: readonly Dimension[] = [...ATTRIBUTION_DIMENSIONS, ...TIME_DIMENSIONS];

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Sums kept per rollup row (and returned per group). */
export interface UsageSums {
  readonly requests: number;
  /** Events answered with HTTP status >= 400. */
  readonly errors: number;
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: Micros;
  readonly savingsMicros: Micros;
  /** Requests answered from the response cache (exact, semantic or stale hits). */
  readonly cacheHits: number;
}

/** Equality filters of a usage query; `team` may be one team or a list. */
export type UsageFilter = Partial<Record<Exclude<AttributionDimension, 'team'>, string>> & { readonly team?: string | readonly string[] };

export interface UsageQuery {
  /** Epoch ms, inclusive; rounded down to the hour. */
  readonly from: number;
  /** Epoch ms, exclusive; rounded up to the hour. */
  readonly to: number;
  readonly groupBy: readonly Dimension[];
  /**
   * Equality filters; `''` matches events without a value (no agent, …). `team` may be a list
   * (the teams an actor may see): an empty list matches nothing.
   */
  readonly filter?: UsageFilter;
  /** At most this many rows (default 10,000); totals always cover every row. */
  readonly limit?: number;
}

/**
 * One group: its dimension values (attribution dimensions: the value, or null when the events had
 * none; hour/day: epoch ms of the bucket start) and its sums.
 */
export interface UsageRow extends UsageSums {
  readonly dims: Readonly<Partial<Record<Dimension, string | number | null>>>;
}

export interface UsageResult {
  /** Hour-aligned range actually covered. */
  readonly from: number;
  readonly to: number;
  /** Ordered by time bucket (when grouped by hour/day), then cost descending, then dimension values. */
  readonly rows: readonly UsageRow[];
  /** True when `limit` cut rows off (the totals still cover them). */
  readonly truncated: boolean;
  readonly totals: UsageSums;
}

/** Raw events of one UTC hour grouped by attribution (and price version): the FOCUS export's rows. */
export interface UsageExportRow extends UsageSums {
  /** Epoch ms of the UTC hour. */
  readonly hour: number;
  readonly team: string;
  readonly user: string | null;
  readonly keyId: string;
  readonly agent: string | null;
  readonly workflow: string | null;
  readonly run: string | null;
  readonly repo: string | null;
  readonly model: string;
  readonly provider: string | null;
  readonly priceVersion: string;
}

export interface SpendFilter {
  readonly from: number;
  readonly to: number;
  readonly team?: string | undefined;
  readonly agent?: string | undefined;
  readonly keyId?: string | undefined;
  readonly user?: string | undefined;
  readonly workflow?: string | undefined;
  readonly run?: string | undefined;
  readonly model?: string | undefined;
  /** Every pair must be among the event's tags. */
  readonly tags?: Readonly<Record<string, string>> | undefined;
}

/** Where usage events are kept. Appends come in batches from the usage writer, never per request. */
export interface LedgerStore {
  /**
   * Appends all events atomically (all or none), and adds the events actually inserted to the hourly
   * rollups in the same transaction. Re-appending an event id is ignored (idempotent), rollups too.
   */
  appendBatch(events: readonly UsageEvent[]): Promise<void>;
  /** Most recent events first, for the admin API and tests. */
  recent(limit: number): Promise<UsageEvent[]>;
  /** One event by request id. */
  get(requestId: string): Promise<UsageEvent | undefined>;
  /** Totals over all events (count, cost), for checks and summaries. */
  totals(): Promise<{ events: number; costMicros: number }>;
  /** Total cost per agent name (micro-USD), for agents listings; agents without events are absent. */
  spendByAgent(agents: readonly string[]): Promise<Map<string, number>>;
  /** Grouped sums answered from the hourly rollups (fast on any number of events). */
  usage(q: UsageQuery): Promise<UsageResult>;
  /**
   * Raw events of [from, to) (hour-aligned outward) grouped per hour × attribution × price version, a
   * day (SQLite: an hour) at a time (bounded memory), oldest first. `teams` limits the rows to those teams.
   */
  exportRows(from: number, to: number, opts?: { readonly teams?: readonly string[] }): AsyncIterable<UsageExportRow>;
  /** Cost of the raw events matching the filter in [from, to) (exact ms, not rounded). Rarely used: seeding budget counters. */
  spend(filter: SpendFilter): Promise<Micros>;
  /** Releases connections (Postgres); the SQLite file is closed by its owner. */
  close?(): Promise<void>;
}

/** [from, to) widened to whole UTC hours. */
export function hourRange(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / HOUR_MS) * HOUR_MS, to: Math.ceil(to / HOUR_MS) * HOUR_MS };
}
