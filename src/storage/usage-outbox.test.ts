import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createBatchingUsageWriter } from './batching-usage-writer.js';
import { usageEvent } from './contract/usage-event.js';
import { createMemoryLedgerStore } from './memory/ledger-store.js';
import type { LedgerStore } from './ports/ledger-store.js';
import { openSqlite } from './sqlite/database.js';
import { createSqliteLedgerStore } from './sqlite/ledger-store.js';
import { createUsageOutbox } from './usage-outbox.js';

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'gantry-outbox-')), 'outbox');
const segments = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.jsonl'));

describe('usage outbox', () => {
  it('loses no event of a process that dies before its flush: another writer replays them exactly once', async () => {
    const dir = freshDir();
    const ledger = createMemoryLedgerStore();
    // The "crashed" process: a dead pid, events recorded, one batch committed, then gone without close.
    const crashed = createBatchingUsageWriter({ ledger, flushIntervalMs: 60_000, outbox: createUsageOutbox({ dir, pid: 999_991, isAlive: () => false }) });
    for (let i = 0; i < 30; i++) crashed.record(usageEvent({ requestId: `a-${i}`, costMicros: 1 }));
    await crashed.flush();
    for (let i = 30; i < 100; i++) crashed.record(usageEvent({ requestId: `a-${i}`, costMicros: 1 }));
    expect(segments(dir)).toHaveLength(1); // the committed segment is gone, the open one stays
    expect((await ledger.totals()).events).toBe(30);

    const survivor = createBatchingUsageWriter({ ledger, flushIntervalMs: 60_000, outbox: createUsageOutbox({ dir, isAlive: () => false }) });
    expect(await survivor.replay()).toBe(70);
    expect(await ledger.totals()).toEqual({ events: 100, costMicros: 100 });
    expect(segments(dir)).toEqual([]);
    expect(await survivor.replay()).toBe(0);
    await survivor.close();
  });

  it('survives a real SIGKILL: the events recorded before the kill are on disk', async () => {
    const dir = freshDir();
    // A child records 500 events through the real writer and outbox, then kills itself with SIGKILL.
    const viteNode = fileURLToPath(new URL('../../node_modules/vite-node/vite-node.mjs', import.meta.url));
    const script = fileURLToPath(new URL('./fixtures/outbox-crasher.ts', import.meta.url));
    const child = spawnSync(process.execPath, [viteNode, script, dir, '500'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const ledger = createMemoryLedgerStore();
    expect(await createUsageOutbox({ dir }).replay(ledger)).toBe(500);
    expect(await ledger.totals()).toEqual({ events: 500, costMicros: 500 });
    expect(segments(dir)).toEqual([]);
  }, 60_000);

  it('skips a torn last line, reports a bad line in the middle', async () => {
    const dir = freshDir();
    const bad: number[] = [];
    const writer = createUsageOutbox({ dir, pid: 999_992, isAlive: () => false });
    writer.append(usageEvent({ requestId: 'x1' }));
    writer.append(usageEvent({ requestId: 'x2' }));
    const [name] = writer.rotate();
    const path = join(dir, name as string);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, `${text}not json\n${JSON.stringify(usageEvent({ requestId: 'x3' }))}\n{"requestId":"x4","ts`);
    const ledger = createMemoryLedgerStore();
    const reader = createUsageOutbox({ dir, onBadLine: (_n, line) => bad.push(line) });
    expect(await reader.replay(ledger)).toBe(3);
    expect((await ledger.recent(10)).map((e) => e.requestId).sort()).toEqual(['x1', 'x2', 'x3']);
    expect(bad).toEqual([3]);
  });

  it('leaves segments of live processes alone, replays its own pid left over from an earlier start', async () => {
    const dir = freshDir();
    const live = createUsageOutbox({ dir, pid: 4242, isAlive: (pid) => pid === 4242 });
    live.append(usageEvent({ requestId: 'live-1' }));
    const previousRun = createUsageOutbox({ dir, pid: process.pid, startId: 'before' });
    previousRun.append(usageEvent({ requestId: 'mine-1' }));
    const ledger = createMemoryLedgerStore();
    const me = createUsageOutbox({ dir, startId: 'now', isAlive: (pid) => pid === 4242 });
    me.append(usageEvent({ requestId: 'mine-2' }));
    expect(await me.replay(ledger)).toBe(1);
    expect((await ledger.recent(10)).map((e) => e.requestId)).toEqual(['mine-1']);
    expect(segments(dir)).toHaveLength(2);
  });

  it('replays segments of another host only once they have been idle a while', async () => {
    const dir = freshDir();
    const other = createUsageOutbox({ dir, host: 'other-box', pid: process.pid });
    other.append(usageEvent({ requestId: 'far-1' }));
    const [name] = other.rotate();
    const ledger = createMemoryLedgerStore();
    const me = createUsageOutbox({ dir, host: 'this-box', foreignMinAgeMs: 60_000 });
    expect(await me.replay(ledger)).toBe(0);
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(dir, name as string), old, old);
    expect(await me.replay(ledger)).toBe(1);
  });

  it('tells apart hosts whose long names differ only at the end (pods of one StatefulSet sharing a volume)', async () => {
    const dir = freshDir();
    const base = 'gantry-gateway-production-eu-west-1-statefulset-replica';
    // Pid 1 in both containers: on the same host, that would read as this process's earlier start.
    const other = createUsageOutbox({ dir, host: `${base}-1`, pid: 1, startId: 'b', foreignMinAgeMs: 60_000 });
    other.append(usageEvent({ requestId: 'pod-1' }));
    const me = createUsageOutbox({ dir, host: `${base}-0`, pid: 1, startId: 'a', foreignMinAgeMs: 60_000 });
    expect(await me.replay(createMemoryLedgerStore())).toBe(0);
    expect(segments(dir)).toHaveLength(1);
  });

  it('keeps the segments of a failed flush and deletes them once the retry commits', async () => {
    const dir = freshDir();
    const inner = createMemoryLedgerStore();
    let fail = true;
    const ledger: LedgerStore = {
      ...inner,
      appendBatch: async (b) => {
        if (fail) throw new Error('database is locked');
        await inner.appendBatch(b);
      },
    };
    const writer = createBatchingUsageWriter({ ledger, flushIntervalMs: 60_000, outbox: createUsageOutbox({ dir }) });
    writer.record(usageEvent({ requestId: 'k1' }));
    await expect(writer.flush()).rejects.toThrow('locked');
    writer.record(usageEvent({ requestId: 'k2' }));
    expect(segments(dir)).toHaveLength(2);
    fail = false;
    await writer.flush();
    expect(segments(dir)).toEqual([]);
    expect((await inner.totals()).events).toBe(2);
    await writer.close();
  });

  it('an event the database would refuse (fractional or non-numeric tokens) neither blocks its batch nor the replay', async () => {
    const dir = freshDir();
    const db = openSqlite(join(mkdtempSync(join(tmpdir(), 'gantry-outbox-db-')), 'gantry.db'));
    const ledger = createSqliteLedgerStore(db);
    const errors: unknown[] = [];
    const writer = createBatchingUsageWriter({ ledger, flushIntervalMs: 60_000, onError: (err) => errors.push(err) });
    writer.record(usageEvent({ requestId: 'ok-1' }));
    writer.record(usageEvent({ requestId: 'odd-1', inputTokens: 12.5, cachedInputTokens: 'n/a' as unknown as number, outputTokens: 1e20, costMicros: 0 }));
    await writer.close();
    expect(errors).toEqual([]);
    expect(await ledger.get('odd-1')).toMatchObject({ inputTokens: 13, cachedInputTokens: 0, outputTokens: Number.MAX_SAFE_INTEGER });
    // A segment written before this guard (a dead process's): replayed, and the segments after it too.
    const outbox = createUsageOutbox({ dir, pid: 999_993, isAlive: () => false });
    outbox.append({ ...usageEvent({ requestId: 'odd-2' }), outputTokens: 0.5 });
    outbox.rotate();
    outbox.append(usageEvent({ requestId: 'ok-2' }));
    outbox.rotate();
    expect(await createUsageOutbox({ dir, isAlive: () => false }).replay(ledger)).toBe(2);
    expect((await ledger.totals()).events).toBe(4);
    expect(segments(dir)).toEqual([]);
    db.close();
  });

  it('writes each event as one line as it is recorded, before any flush', () => {
    const dir = freshDir();
    const writer = createBatchingUsageWriter({ ledger: createMemoryLedgerStore(), flushIntervalMs: 60_000, outbox: createUsageOutbox({ dir }) });
    writer.record(usageEvent({ requestId: 'w1', user: 'alice', savingsMicros: 9 }));
    const [name] = segments(dir);
    const lines = readFileSync(join(dir, name as string), 'utf8').split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ requestId: 'w1', user: 'alice', savingsMicros: 9 });
  });
});
