import BetterSqlite3, { type Database } from 'better-sqlite3';

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Opens a SQLite file for several processes on one host: the busy timeout first, then WAL mode.
 * Switching a new file to WAL takes a lock that SQLite does not wait for (the busy handler is not
 * used), so processes opening one new file at the same moment retry that step for up to the busy
 * timeout instead of failing with "database is locked".
 */
export function openWalDatabase(path: string, options: { readonly busyTimeoutMs?: number; readonly pageSize?: number } = {}): Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5_000;
  const db = new BetterSqlite3(path);
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // page_size only applies to a new file, before its first write.
    if (options.pageSize !== undefined) db.pragma(`page_size = ${options.pageSize}`);
    const deadline = Date.now() + busyTimeoutMs;
    for (;;) {
      try {
        db.pragma('journal_mode = WAL');
        break;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
        Atomics.wait(pause, 0, 0, 5); // start-up only: a synchronous 5 ms pause
      }
    }
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
