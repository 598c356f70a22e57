import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { transpileForChild } from '../../../test/helpers/child-module.js';
import { expectInvariant, invariantLoad } from '../contract/counter-invariant.contract.js';
import type { CounterLoadResult } from '../contract/counter-load.js';
import { describeCounterStoreContract } from '../contract/counter-store.contract.js';
import { CounterStoreUnavailableError } from '../ports/counter-store.js';
import { openSqliteCounterStore } from './counter-store.js';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-counters-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describeCounterStoreContract('sqlite', () => {
  const path = join(freshDir(), 'counters.db');
  return { open: (owner) => openSqliteCounterStore(path, { owner }) };
});

describe('sqlite counter store', () => {
  it('3 processes sharing one counters file: 1,000 concurrent requests never overspend, nothing left reserved', async () => {
    const dir = freshDir();
    const path = join(dir, 'counters.db');
    const child = transpileForChild('src/storage/sqlite/counter-load-child.ts', join(dir, 'build'));
    const o = invariantLoad('proc', 999);
    const run = promisify(execFile);
    const running = Promise.all(
      [0, 1, 2].map((p) =>
        run(process.execPath, [child, path, `owner-${p}`, JSON.stringify({ ...o, from: p * 333, to: (p + 1) * 333, concurrency: 16, barrier: dir })], {
          timeout: 60_000,
        }),
      ),
    );
    // Go once all three have opened the file, however slow each was to start.
    for (let i = 0; i < 3_000 && [0, 1, 2].some((p) => !existsSync(join(dir, `ready-owner-${p}`))); i++) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(join(dir, 'go'), '');
    const outputs = await running;
    const results = outputs.map((x) => JSON.parse(x.stdout) as CounterLoadResult);
    // Every process ran its whole share against the one file. (One may get no grant at all: SQLite's
    // lock is not fair, and the others can spend the budget first. The invariant must hold anyway.)
    for (const r of results) expect(r.admitted + r.refusedBudget + r.refusedOther).toBe(333);
    expect(results.reduce((n, r) => n + r.admitted, 0)).toBeGreaterThan(0);
    const store = openSqliteCounterStore(path, { owner: 'checker' });
    try {
      await expectInvariant(store, o, results);
    } finally {
      await store.close();
    }
  });

  it('uses WAL, keeps counters across reopen, and migrates a file once', async () => {
    const path = join(freshDir(), 'counters.db');
    const a = openSqliteCounterStore(path, { owner: 'a' });
    await a.seed('budget:k', 42, Date.now() + 60_000);
    await a.close();
    const b = openSqliteCounterStore(path, { owner: 'b' });
    expect((await b.levels(['budget:k'])).get('budget:k')).toEqual({ committedMicros: 42, reservedMicros: 0 });
    await b.close();
    const raw = new BetterSqlite3(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(raw.pragma('page_size', { simple: true })).toBe(1024);
    raw.close();
  });

  it('a file locked by another process past the busy timeout rejects with CounterStoreUnavailableError', async () => {
    const path = join(freshDir(), 'counters.db');
    const store = openSqliteCounterStore(path, { owner: 'a', busyTimeoutMs: 50 });
    const locker = new BetterSqlite3(path);
    locker.exec('BEGIN IMMEDIATE');
    try {
      const err = await store.admit({ id: 'r', now: Date.now(), rates: [], slots: [], holds: [], minMicros: 0, maxMicros: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CounterStoreUnavailableError);
      expect((err as Error).message).toMatch(/counters\.db stayed locked by another process for over 50 ms/);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect(await store.admit({ id: 'r', now: Date.now(), rates: [], slots: [], holds: [], minMicros: 0, maxMicros: 0 })).toMatchObject({ ok: true });
    await store.close();
  });

  it('a path that cannot be opened fails with a message naming it', () => {
    expect(() => openSqliteCounterStore('/nonexistent-dir/x/counters.db', { owner: 'a' })).toThrow(/Cannot open the SQLite counters file \/nonexistent-dir\/x\/counters\.db/);
  });

  it('heartbeat drops expired counters, windows, claims and completed ids from the file', async () => {
    const path = join(freshDir(), 'counters.db');
    const store = openSqliteCounterStore(path, { owner: 'a' });
    const t = Date.now();
    await store.seed('budget:old', 5, t + 1_000);
    await store.admit({ id: 'r', now: t, rates: [{ key: 'rpm', limit: 5, windowMs: 60_000, amount: 1 }], slots: [{ key: 'c', limit: 1 }], holds: [], minMicros: 0, maxMicros: 0 });
    await store.complete({ id: 'r', now: t, actualMicros: 0, holds: [], grantedMicros: 0, slots: ['c'], rateAdds: [] });
    await store.claimOnce('alert', t, 1_000);
    await store.heartbeat(t + 3_600_000, 10_000);
    await store.close();
    const raw = new BetterSqlite3(path);
    for (const table of ['counter_cells', 'counter_completed', 'counter_claims', 'counter_reservations']) {
      expect(raw.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), table).toBe(0);
    }
    raw.close();
  });
});
