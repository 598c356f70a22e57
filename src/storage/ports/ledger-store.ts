import type { UsageEvent } from '../../kernel/types.js';

/** Where usage events are kept. Appends come in batches from the usage writer, never per request. */
export interface LedgerStore {
  /** Appends all events atomically (all or none). Re-appending an event id is ignored (idempotent). */
  appendBatch(events: readonly UsageEvent[]): Promise<void>;
  /** Most recent events first, for the admin API and tests. */
  recent(limit: number): Promise<UsageEvent[]>;
  /** One event by request id. */
  get(requestId: string): Promise<UsageEvent | undefined>;
  /** Totals over all events (count, cost), for checks and summaries. */
  totals(): Promise<{ events: number; costMicros: number }>;
  /** Total cost per agent name (micro-USD), for agents listings; agents without events are absent. */
  spendByAgent(agents: readonly string[]): Promise<Map<string, number>>;
}
