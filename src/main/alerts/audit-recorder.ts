import type { Logger } from '../../kernel/logger.js';
import type { AuditDraft, ResourceStore } from '../../storage/ports/resource-store.js';
import type { AlertMessage } from '../../telemetry/channels.js';

export const ALERT_ACTOR = 'system:alerts';

/**
 * The audit entry of an alert: action `alert.<type>`, the Budget (or Team / Agent) it is about, and
 * the alert's content in `after` (amounts and a sentence; an alert never carries a secret).
 */
export function alertAuditDraft(m: AlertMessage): AuditDraft {
  const scope = /^(team|agent):(.+)$/.exec(m.subject);
  const target =
    m.type === 'budget_threshold'
      ? { kind: 'Budget', name: m.subject, team: undefined }
      : scope?.[1] === 'team'
        ? { kind: 'Team', name: scope[2], team: scope[2] }
        : scope?.[1] === 'agent'
          ? { kind: 'Agent', name: scope[2], team: undefined }
          : { kind: undefined, name: m.subject, team: undefined };
  return {
    ts: m.at,
    actor: ALERT_ACTOR,
    action: `alert.${m.type}`,
    ...target,
    outcome: 'ok',
    requestId: undefined,
    sourceIp: undefined,
    before: undefined,
    after: {
      id: m.id,
      subject: m.subject,
      window: m.window,
      ...(m.thresholdPercent === undefined ? {} : { thresholdPercent: m.thresholdPercent }),
      ...(m.enforcement === undefined ? {} : { enforcement: m.enforcement }),
      spentMicros: m.spentMicros,
      referenceMicros: m.referenceMicros,
      summary: m.summary,
    },
    diff: undefined,
  };
}

export interface AlertAuditRecorderOptions {
  readonly store: Pick<ResourceStore, 'commit'>;
  readonly logger: Logger;
  /** Batch interval (default 1 s). */
  readonly flushMs?: number;
  /** Entries kept waiting while the store is unreachable (default 10,000; the oldest are dropped beyond; a batch being written is not counted). */
  readonly maxQueue?: number;
  /** Longest wait between retries of a failed write (default 60 s). */
  readonly maxRetryMs?: number;
}

export interface AlertAuditRecorder {
  record(message: AlertMessage): void;
  /** Queues an audit entry built elsewhere (guardrail blocks use the same batching and retries). */
  recordDraft(draft: AuditDraft): void;
  /** Writes what is queued now (one audit-only commit per 500 entries). */
  flush(): Promise<void>;
  /** A last flush; entries that still cannot be written are logged as lost. Call before the store closes. */
  close(): Promise<void>;
}

const BATCH = 500;

/**
 * Appends alerts to the tamper-evident audit log in batches (audit-only commits: no resource
 * changes, no revision bump). A failed write keeps the entries and retries with backoff; nothing
 * here throws into the publisher or waits on it.
 */
export function createAlertAuditRecorder(options: AlertAuditRecorderOptions): AlertAuditRecorder {
  const { store, logger } = options;
  const flushMs = options.flushMs ?? 1_000;
  const maxQueue = options.maxQueue ?? 10_000;
  const maxRetryMs = options.maxRetryMs ?? 60_000;
  /** Entries waiting to be written (a batch being written is not in it; it comes back if the write fails). */
  const queue: AuditDraft[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failures = 0;
  let closed = false;

  function schedule(ms: number): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, ms);
    timer.unref();
  }

  /** Counts entries dropped for room; logged on the first and then every 100th, with the total. */
  function noteDropped(count: number): void {
    const before = dropped;
    dropped += count;
    if (before === 0 || Math.floor(before / 100) !== Math.floor(dropped / 100)) {
      logger.warn({ maxQueue, dropped }, 'alert audit queue is full (store unreachable?): dropped the oldest unwritten entries');
    }
  }

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      // Taken off the queue while written, so an overflow meanwhile drops only waiting entries.
      const batch = queue.splice(0, BATCH);
      try {
        await store.commit([], batch);
      } catch (err) {
        // Back in front, oldest first; beyond the limit the oldest unwritten go.
        queue.unshift(...batch);
        if (queue.length > maxQueue) noteDropped(queue.splice(0, queue.length - maxQueue).length);
        throw err;
      }
    }
  }

  function flush(): Promise<void> {
    running ??= writeQueued()
      .then(
        () => {
          if (failures > 0) logger.info({ failures }, 'alert audit entries written again after failures');
          failures = 0;
        },
        (err: unknown) => {
          failures += 1;
          // Logged on the first failure and then every 10th, so an outage does not flood the log.
          if (failures === 1 || failures % 10 === 0) logger.warn({ err, queued: queue.length, failures }, 'writing alert audit entries failed; keeping them and retrying');
          schedule(Math.min(maxRetryMs, flushMs * 2 ** failures));
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function recordDraft(draft: AuditDraft): void {
    if (closed) return;
    if (queue.length >= maxQueue) {
      queue.shift();
      noteDropped(1);
    }
    queue.push(draft);
    if (failures === 0) schedule(flushMs);
  }

  return {
    record(message) {
      recordDraft(alertAuditDraft(message));
    },
    recordDraft,
    flush,
    async close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) await running;
      if (queue.length > 0) await flush();
      closed = true;
      if (timer) clearTimeout(timer);
      if (queue.length > 0) logger.error({ lost: queue.length }, 'shutdown: alert audit entries could not be written (the store is unreachable); they are lost');
    },
  };
}
