import type { UsageEvent } from '../../kernel/types.js';

/** What the data plane hands usage events to: synchronous, never blocks, never throws. */
export interface UsageSink {
  record(event: UsageEvent): void;
}
