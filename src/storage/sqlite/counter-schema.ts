import type { Database, Statement } from 'better-sqlite3';

/**
 * Schema of the counters file (`<dataDir>/counters.db`, its own file so the hot counter writes never
 * queue behind the ledger's batch writer). Versions are tracked in `PRAGMA user_version`; append a new
 * entry to add a version, never edit one.
 */
const VERSIONS: readonly string[] = [
  `
  -- Budgets (b:<key>: a = committed, b = reserved), rate windows (r:<windowMs>:<win>:<key>: a = count)
  -- and slots (s:<key>: a = in use) share one small table, so a call dirties few pages of the WAL.
  CREATE TABLE counter_cells (
    key TEXT PRIMARY KEY,
    a INTEGER NOT NULL,
    b INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  -- Open reservations only (in-flight requests): small, scanned by reclaim.
  CREATE TABLE counter_reservations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    granted INTEGER NOT NULL,
    holds TEXT NOT NULL,
    slots TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE counter_completed (id TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE INDEX counter_completed_until ON counter_completed (until);
  CREATE TABLE counter_liveness (owner TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE TABLE counter_claims (key TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  `,
];

/** expires_at of cells that never expire (slots). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** Brings the file to the latest version; safe when several processes open it at once. */
export function migrateCounters(db: Database): void {
  db.transaction(() => {
    const at = db.pragma('user_version', { simple: true }) as number;
    for (let v = at; v < VERSIONS.length; v++) db.exec(VERSIONS[v]!);
    if (at < VERSIONS.length) db.pragma(`user_version = ${VERSIONS.length}`);
  }).immediate();
}

export interface CellRow {
  readonly a: number;
  readonly b: number;
  readonly expires_at: number;
}

export interface ReservationRow {
  readonly owner: string;
  readonly granted: number;
  readonly holds: string;
  readonly slots: string;
}

/** Every statement the store runs, prepared once. Cell keys: b:<budget key>, r:<windowMs>:<win>:<key>, s:<slot key>. */
export function prepareCounterStatements(db: Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    count: p('SELECT a FROM counter_cells WHERE key = ?').pluck() as Statement<[string], number>,
    cell: p('SELECT a, b, expires_at FROM counter_cells WHERE key = ?') as Statement<[string], CellRow>,
    /** Adds to a (and b); creates the cell when missing. */
    add: p('INSERT INTO counter_cells (key, a, b, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET a = a + excluded.a, b = b + excluded.b, expires_at = excluded.expires_at') as Statement<
      [string, number, number, number]
    >,
    put: p('INSERT OR REPLACE INTO counter_cells (key, a, b, expires_at) VALUES (?, ?, ?, ?)') as Statement<[string, number, number, number]>,
    seed: p('INSERT INTO counter_cells (key, a, b, expires_at) VALUES (?, ?, 0, ?) ON CONFLICT (key) DO NOTHING') as Statement<[string, number, number]>,
    releaseBudget: p('UPDATE counter_cells SET b = MAX(0, b - ?) WHERE key = ?') as Statement<[number, string]>,
    giveSlot: p('UPDATE counter_cells SET a = a - 1 WHERE key = ? AND a > 0') as Statement<[string]>,
    reservationGet: p('SELECT owner, granted, holds, slots FROM counter_reservations WHERE id = ?') as Statement<[string], ReservationRow>,
    reservationExists: p('SELECT 1 FROM counter_reservations WHERE id = ?').pluck() as Statement<[string], number>,
    reservationPut: p('INSERT INTO counter_reservations (id, owner, granted, holds, slots) VALUES (?, ?, ?, ?, ?)') as Statement<
      [string, string, number, string, string]
    >,
    reservationDelete: p('DELETE FROM counter_reservations WHERE id = ?') as Statement<[string]>,
    reservationCount: p('SELECT COUNT(*) FROM counter_reservations').pluck() as Statement<[], number>,
    lapsed: p(
      'SELECT r.id FROM counter_reservations r LEFT JOIN counter_liveness l ON l.owner = r.owner WHERE r.owner <> ? AND (l.until IS NULL OR l.until < ?)',
    ).pluck() as Statement<[string, number], string>,
    completedGet: p('SELECT 1 FROM counter_completed WHERE id = ?').pluck() as Statement<[string], number>,
    completedPut: p('INSERT OR IGNORE INTO counter_completed (id, until) VALUES (?, ?)') as Statement<[string, number]>,
    livenessPut: p('INSERT INTO counter_liveness (owner, until) VALUES (?, ?) ON CONFLICT (owner) DO UPDATE SET until = excluded.until') as Statement<
      [string, number]
    >,
    claim: p('INSERT INTO counter_claims (key, until) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE counter_claims.until <= ?') as Statement<
      [string, number, number]
    >,
    purgeCompleted: p('DELETE FROM counter_completed WHERE until < ?') as Statement<[number]>,
    purgeCells: p("DELETE FROM counter_cells WHERE expires_at < ? OR (key >= 's:' AND key < 's;' AND a <= 0)") as Statement<[number]>,
    purgeClaims: p('DELETE FROM counter_claims WHERE until <= ?') as Statement<[number]>,
    purgeLiveness: p('DELETE FROM counter_liveness WHERE until < ?') as Statement<[number]>,
  };
}

export type CounterStatements = ReturnType<typeof prepareCounterStatements>;
