import type { UsageEvent } from '../kernel/types.js';
import type { LedgerStore } from './ports/ledger-store.js';
import type { UsageSink } from './ports/usage-sink.js';

export interface BatchingUsageWriterOptions {
  readonly ledger: LedgerStore;
  /** Flush at least this often (ms). */
  readonly flushIntervalMs?: number;
  /** Flush early when this many events are waiting. */
  readonly maxBatch?: number;
  readonly onError?: (err: unknown, pending: number) => void;
}

export interface BatchingUsageWriter extends UsageSink {
  /** Writes everything waiting now. */
  flush(): Promise<void>;
  /** Stops the timer and flushes what is left (retrying a few times). */
  close(): Promise<void>;
  pending(): number;
}

/**
 * Takes usage events off the hot path: `record` only pushes to an array; a timer writes batches in
 * one transaction. A failed write keeps the events and retries on the next tick, so a transient
 * database error loses nothing.
 */
export function createBatchingUsageWriter(options: BatchingUsageWriterOptions): BatchingUsageWriter {
  const { ledger } = options;
  const interval = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 1000;
  let buffer: UsageEvent[] = [];
  let inFlight: Promise<void> | undefined;
  let closed = false;

  async function writeOnce(): Promise<void> {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    try {
      await ledger.appendBatch(batch);
    } catch (err) {
      buffer = batch.concat(buffer);
      options.onError?.(err, buffer.length);
      throw err;
    }
  }

  function flush(): Promise<void> {
    if (inFlight) return inFlight.then(flush);
    inFlight = writeOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const timer = setInterval(() => {
    flush().catch(() => undefined);
  }, interval);
  timer.unref();

  return {
    record(event) {
      buffer.push(event);
      if (buffer.length >= maxBatch && !inFlight && !closed) flush().catch(() => undefined);
    },
    flush,
    pending: () => buffer.length,
    async close() {
      closed = true;
      clearInterval(timer);
      for (let attempt = 0; ; attempt++) {
        try {
          await flush();
          if (buffer.length === 0) return;
        } catch (err) {
          if (attempt >= 4) throw err;
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    },
  };
}
