import { describe, expect, it } from 'vitest';
import type { Logger } from '../../kernel/logger.js';
import type { AuditDraft } from '../../storage/ports/resource-store.js';
import { createAlertAuditRecorder } from './audit-recorder.js';

const draft = (name: string): AuditDraft => ({
  ts: 1,
  actor: 'system:alerts',
  action: 'alert.test',
  kind: undefined,
  name,
  team: undefined,
  outcome: 'ok',
  requestId: undefined,
  sourceIp: undefined,
  before: undefined,
  after: undefined,
  diff: undefined,
});

/** A store whose first commit waits until the test settles it (later ones succeed at once); `written` holds what committed. */
function heldStore() {
  const pending: { batch: readonly AuditDraft[]; resolve: () => void; reject: (err: Error) => void }[] = [];
  const written: string[] = [];
  const store = {
    commit(_changes: unknown, audit: readonly AuditDraft[]) {
      if (pending.length > 0) {
        written.push(...audit.map((d) => d.name ?? ''));
        return Promise.resolve(undefined as never);
      }
      return new Promise<never>((resolve, reject) => {
        pending.push({
          batch: audit,
          resolve: () => {
            written.push(...audit.map((d) => d.name ?? ''));
            resolve(undefined as never);
          },
          reject,
        });
      });
    },
  };
  return { store, pending, written };
}

function recordingLogger(): Logger & { warns: Record<string, unknown>[] } {
  const warns: Record<string, unknown>[] = [];
  const noop = () => undefined;
  const logger = { debug: noop, info: noop, error: noop, warn: (obj: object) => warns.push(obj as Record<string, unknown>), child: () => logger, warns };
  return logger as unknown as Logger & { warns: Record<string, unknown>[] };
}

describe('alert audit recorder', () => {
  it('a full queue never loses the entries being written or those queued meanwhile', async () => {
    const { store, pending, written } = heldStore();
    const logger = recordingLogger();
    const recorder = createAlertAuditRecorder({ store: store as never, logger, flushMs: 3_600_000, maxQueue: 3 });
    for (const n of ['a', 'b', 'c']) recorder.recordDraft(draft(n));
    const first = recorder.flush();
    expect(pending[0]?.batch.map((d) => d.name)).toEqual(['a', 'b', 'c']);
    recorder.recordDraft(draft('d'));
    pending[0]?.resolve();
    await first;
    await recorder.close();
    expect(written).toEqual(['a', 'b', 'c', 'd']);
    expect(logger.warns).toEqual([]);
  });

  it('beyond the limit drops the oldest unwritten entries and logs how many', async () => {
    const { store, pending, written } = heldStore();
    const logger = recordingLogger();
    const recorder = createAlertAuditRecorder({ store: store as never, logger, flushMs: 3_600_000, maxQueue: 3 });
    for (const n of ['a', 'b', 'c']) recorder.recordDraft(draft(n));
    const failing = recorder.flush();
    for (const n of ['d', 'e']) recorder.recordDraft(draft(n));
    pending[0]?.reject(new Error('store down'));
    await failing;
    // a, b, c came back ahead of d, e: the two oldest (a, b) go.
    await recorder.close();
    expect(written).toEqual(['c', 'd', 'e']);
    expect(logger.warns.some((w) => w.dropped === 2)).toBe(true);
  });
});
