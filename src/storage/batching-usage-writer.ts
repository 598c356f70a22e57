import type { UsageEvent } from '../kernel/types.js';
import type { LedgerStore } from './ports/ledger-store.js';
import type { UsageSink } from './ports/usage-sink.js';
import { storableEvent } from './storable-event.js';
import type { UsageOutbox } from './usage-outbox.js';

export interface BatchingUsageWriterOptions {
  readonly ledger: LedgerStore;
  /** Flush at least this often (ms). */
  readonly flushIntervalMs?: number;
  /** Flush early when this many events are waiting. */
  readonly maxBatch?: number;
  /**
   * Durable write-ahead segments (see usage-outbox.ts): each event is written there before it is
   * kept in memory, so a killed process loses no usage event. Without it, events live in memory only.
   */
  readonly outbox?: UsageOutbox;
  /** How often segments of gone processes are replayed (ms; default 5 s). */
  readonly replayIntervalMs?: number;
  readonly onError?: (err: unknown, pending: number) => void;
  /** The outbox could not be written or replayed (the event itself is kept in memory). */
  readonly onOutboxError?: (err: unknown) => void;
}

export interface BatchingUsageWriter extends UsageSink {
  /** Writes everything waiting now. */
  flush(): Promise<void>;
  /** Replays the outbox segments of gone processes now (also runs on a timer); resolves to the event count. */
  replay(): Promise<number>;
  /** Stops the timers and flushes what is left (retrying a few times). */
  close(): Promise<void>;
  pending(): number;
}

const APPEND_ERROR_REPORT_MS = 10_000;

/**
 * Takes usage events off the hot path: `record` appends one line to the outbox (one write call) and
 * pushes to an array; a timer writes batches (maxBatch events per transaction). Each flush rotates the outbox
 * segment and deletes the segments of a committed batch; a failed write keeps the events and their
 * segments and retries on the next tick, so neither a database error nor a crash loses an event.
 */
export function createBatchingUsageWriter(options: BatchingUsageWriterOptions): BatchingUsageWriter {
  const { ledger, outbox } = options;
  const interval = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 1000;
  let buffer: UsageEvent[] = [];
  /** Outbox segments holding the events of `buffer` (deleted once those are committed). */
  let segments: string[] = [];
  let inFlight: Promise<void> | undefined;
  let replaying: Promise<number> | undefined;
  let closed = false;
  let appendErrorReportedAt = Number.NEGATIVE_INFINITY;

  async function writeOnce(): Promise<void> {
    const covered = outbox ? segments.concat(outbox.rotate()) : [];
    segments = [];
    if (buffer.length === 0) {
      outbox?.remove(covered);
      return;
    }
    const batch = buffer;
    buffer = [];
    // At most maxBatch events per transaction: after a ledger outage the backlog (possibly millions of
    // events) goes in bounded transactions, with a turn of the event loop between them (SQLite
    // appends are synchronous), not as one that stalls every request. The segments are deleted once
    // all of them are committed; a failure keeps the rest and every segment (a replay is idempotent).
    let done = 0;
    try {
      while (done < batch.length) {
        if (done > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const part = batch.slice(done, done + maxBatch);
        await ledger.appendBatch(part);
        done += part.length;
      }
    } catch (err) {
      buffer = batch.slice(done).concat(buffer);
      segments = covered.concat(segments);
      options.onError?.(err, buffer.length);
      throw err;
    }
    try {
      outbox?.remove(covered);
    } catch (err) {
      // Committed already: a segment left behind is replayed later, idempotently.
      options.onOutboxError?.(err);
    }
  }

  function flush(): Promise<void> {
    if (inFlight) return inFlight.then(flush);
    inFlight = writeOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function replay(): Promise<number> {
    if (!outbox) return Promise.resolve(0);
    replaying ??= outbox.replay(ledger).finally(() => {
      replaying = undefined;
    });
    return replaying;
  }

  const timer = setInterval(() => {
    flush().catch(() => undefined);
  }, interval);
  timer.unref();
  const replayTimer = outbox
    ? setInterval(() => {
        replay().catch((err: unknown) => options.onOutboxError?.(err));
      }, options.replayIntervalMs ?? 5_000)
    : undefined;
  replayTimer?.unref();

  return {
    record(recorded) {
      // One event the ledger refuses would fail every retry of its batch: made storable first.
      const event = storableEvent(recorded);
      if (outbox) {
        try {
          outbox.append(event);
        } catch (err) {
          // A full disk fails every event: reported once, then at most every 10 s (not per request).
          const now = performance.now();
          if (now - appendErrorReportedAt >= APPEND_ERROR_REPORT_MS) {
            appendErrorReportedAt = now;
            options.onOutboxError?.(err);
          }
        }
      }
      buffer.push(event);
      if (buffer.length >= maxBatch && !inFlight && !closed) flush().catch(() => undefined);
    },
    flush,
    replay,
    pending: () => buffer.length,
    async close() {
      closed = true;
      clearInterval(timer);
      if (replayTimer) clearInterval(replayTimer);
      await replaying?.catch(() => undefined);
      for (let attempt = 0; ; attempt++) {
        try {
          await flush();
          if (buffer.length === 0) break;
        } catch (err) {
          if (attempt >= 4) {
            // The segments stay on disk: the next start (or another process) replays them.
            outbox?.close();
            throw err;
          }
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
      outbox?.close();
    },
  };
}
