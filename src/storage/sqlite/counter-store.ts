import type BetterSqlite3 from 'better-sqlite3';
import {
  COMPLETED_TTL_MS,
  distinctHolds,
  distinctSlots,
  applyRates,
  checkRates,
  duplicateReservationError,
  grantBudget,
  KEY_SEPARATOR,
  windowAt,
} from '../counter-rules.js';
import {
  type AdmitRequest,
  type AdmitResult,
  type BudgetLevel,
  type CompleteRequest,
  type CounterStore,
  CounterStoreUnavailableError,
} from '../ports/counter-store.js';
import { type CounterStatements, migrateCounters, NEVER, prepareCounterStatements } from './counter-schema.js';
import { openWalDatabase } from './wal.js';

export interface SqliteCounterStoreOptions {
  /** This process's id (host:pid:random). */
  readonly owner: string;
  /** How long a call waits for another process's write to finish before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** SQLite result codes that mean "the file cannot be used now", not "the call is wrong". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOTADB|CORRUPT)/;

function split(joined: string): string[] {
  return joined === '' ? [] : joined.split(KEY_SEPARATOR);
}

/**
 * Counters shared by the processes of one host through one SQLite file (WAL, busy timeout). Every call
 * is one `BEGIN IMMEDIATE` transaction of prepared statements, so concurrent processes serialise on the
 * file's write lock and each check-and-update is atomic.
 */
export function openSqliteCounterStore(path: string, options: SqliteCounterStoreOptions): CounterStore {
  const { owner } = options;
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  let db: BetterSqlite3.Database;
  try {
    // Small pages and rare checkpoints: each call dirties a few pages, and the disk time goes into
    // writing them to the WAL and fsyncing it at checkpoints.
    db = openWalDatabase(path, { busyTimeoutMs, pageSize: 1024 });
    db.pragma('wal_autocheckpoint = 10000');
    migrateCounters(db);
  } catch (err) {
    throw new CounterStoreUnavailableError(`Cannot open the SQLite counters file ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const q: CounterStatements = prepareCounterStatements(db);

  function failure(err: unknown): unknown {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE.test(code)) {
      const why = code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') ? `stayed locked by another process for over ${busyTimeoutMs} ms` : `failed (${code})`;
      return new CounterStoreUnavailableError(`The SQLite counters file ${path} ${why}: ${(err as Error).message}`);
    }
    return err;
  }

  /** Runs one synchronous transaction and reports its outcome as a promise. */
  function run<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(failure(err));
    }
  }

  const rateCell = (key: string, windowMs: number, win: number) => `r:${windowMs}:${win}:${key}`;

  function addRate(key: string, windowMs: number, now: number, amount: number): void {
    if (amount === 0) return;
    const { win } = windowAt(now, windowMs);
    q.add.run(rateCell(key, windowMs, win), amount, 0, (win + 2) * windowMs);
  }

  function release(id: string): boolean {
    const r = q.reservationGet.get(id);
    if (!r) return false;
    for (const key of split(r.holds)) q.releaseBudget.run(r.granted, `b:${key}`);
    for (const key of split(r.slots)) q.giveSlot.run(`s:${key}`);
    q.reservationDelete.run(id);
    return true;
  }

  function level(key: string): BudgetLevel {
    const row = q.cell.get(`b:${key}`);
    return { committedMicros: row?.a ?? 0, reservedMicros: row?.b ?? 0 };
  }

  const admitTx = db.transaction((req: AdmitRequest): AdmitResult => {
    const { now } = req;
    if (q.reservationExists.get(req.id) !== undefined) throw duplicateReservationError(req.id);

    const { before, refusal } = checkRates(req.rates, now, (r, win) => [q.count.get(rateCell(r.key, r.windowMs, win - 1)) ?? 0, q.count.get(rateCell(r.key, r.windowMs, win)) ?? 0]);
    if (refusal) return refusal;

    const slots = distinctSlots(req.slots);
    for (const c of slots) {
      if ((q.count.get(`s:${c.key}`) ?? 0) + 1 > c.limit) return { ok: false, reason: 'concurrency', key: c.key, limit: c.limit };
    }

    const holds = distinctHolds(req.holds);
    const live: boolean[] = [];
    const grant = grantBudget(
      holds,
      (h) => {
        const row = q.cell.get(`b:${h.key}`);
        const fresh = row !== undefined && row.expires_at >= now;
        live.push(fresh);
        return row && { committed: row.a, reserved: row.b, live: fresh };
      },
      req.minMicros,
      req.maxMicros,
    );
    if (!grant.ok) return grant;
    const granted = grant.granted;

    const rates = applyRates(req.rates, before, (c) => addRate(c.key, c.windowMs, now, c.amount));
    for (const c of slots) q.add.run(`s:${c.key}`, 1, 0, NEVER);
    for (let i = 0; i < holds.length; i++) {
      const h = holds[i]!;
      if (live[i]) q.add.run(`b:${h.key}`, 0, granted, h.expiresAt);
      else q.put.run(`b:${h.key}`, 0, granted, h.expiresAt);
    }
    if (holds.length > 0 || slots.length > 0) {
      q.reservationPut.run(req.id, owner, granted, holds.map((h) => h.key).join(KEY_SEPARATOR), slots.map((c) => c.key).join(KEY_SEPARATOR));
    }
    return { ok: true, grantedMicros: granted, rates };
  });

  const completeTx = db.transaction((req: CompleteRequest): Map<string, BudgetLevel> => {
    const { now } = req;
    const holds = distinctHolds(req.holds);
    if (q.completedGet.get(req.id) === undefined) {
      release(req.id);
      for (const h of holds) {
        const row = q.cell.get(`b:${h.key}`);
        // A counter rebuilt from the ledger is never started here (the ledger has this request's cost).
        if (h.fromLedger && row === undefined) continue;
        if (row !== undefined && row.expires_at >= now) q.add.run(`b:${h.key}`, req.actualMicros, 0, h.expiresAt);
        else q.put.run(`b:${h.key}`, req.actualMicros, 0, h.expiresAt);
      }
      for (const a of req.rateAdds) addRate(a.key, a.windowMs, now, a.amount);
      q.completedPut.run(req.id, now + COMPLETED_TTL_MS);
    }
    return new Map(holds.map((h) => [h.key, level(h.key)]));
  });

  const levelsTx = db.transaction((keys: readonly string[]) => new Map(keys.map((k) => [k, level(k)])));

  const heartbeatTx = db.transaction((now: number, ttlMs: number, reclaim: boolean): number => {
    q.livenessPut.run(owner, now + ttlMs);
    let reclaimed = 0;
    if (reclaim) for (const id of q.lapsed.all(owner, now)) if (release(id)) reclaimed++;
    q.purgeLiveness.run(now);
    q.purgeCompleted.run(now);
    q.purgeCells.run(now);
    q.purgeClaims.run(now);
    return reclaimed;
  });

  return {
    kind: 'sqlite',
    admit: (req) => run(() => admitTx.immediate(req)),
    complete: (req) => run(() => completeTx.immediate(req)),
    levels: (keys) => run(() => levelsTx.deferred(keys)),
    seed: (key, committedMicros, expiresAt) => run(() => q.seed.run(`b:${key}`, committedMicros, expiresAt).changes === 1),
    heartbeat: (now, ttlMs, opts) => run(() => ({ reclaimed: heartbeatTx.immediate(now, ttlMs, opts?.reclaim !== false) })),
    claimOnce: (key, now, ttlMs) => run(() => q.claim.run(key, now + ttlMs, now).changes === 1),
    openReservations: () => run(() => q.reservationCount.get() ?? 0),
    async close() {
      if (db.open) db.close();
    },
  };
}
