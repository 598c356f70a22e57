import type { Database } from 'better-sqlite3';
import type { CacheEntry, CacheStore } from '../ports/cache-store.js';
import { openWalDatabase } from './wal.js';

export interface SqliteCacheStoreOptions {
  /** How long a call waits for another process's write (default 2000 ms; a miss is cheaper than a wait). */
  readonly busyTimeoutMs?: number;
  /** A purge of entries past staleUntil runs every this many writes (default 100)… */
  readonly purgeEvery?: number;
  /** …and deletes at most this many (default 500), so no write waits long behind it. */
  readonly purgeLimit?: number;
  /** Wall clock for the purge only (reads take `now` from the caller). */
  readonly now?: () => number;
}

/** Versions in `PRAGMA user_version`; append a new entry to add one, never edit one. */
const VERSIONS: readonly string[] = [
  `
  -- A rowid table: values are whole answers (kilobytes), which WITHOUT ROWID tables store badly.
  CREATE TABLE cache_entries (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    stale_until INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX cache_entries_stale_until ON cache_entries (stale_until);
  `,
];

function migrate(db: Database): void {
  db.transaction(() => {
    const at = db.pragma('user_version', { simple: true }) as number;
    for (let v = at; v < VERSIONS.length; v++) db.exec(VERSIONS[v]!);
    if (at < VERSIONS.length) db.pragma(`user_version = ${VERSIONS.length}`);
  }).immediate();
}

/**
 * Cached answers in their own file (`<dataDir>/cache.db`), shared by the processes of one host
 * (`--workers`): WAL, so reads never wait for a write. Expired rows are purged in small batches every
 * N writes by whichever process writes; no timers.
 */
export function openSqliteCacheStore(path: string, options: SqliteCacheStoreOptions = {}): CacheStore {
  const purgeEvery = options.purgeEvery ?? 100;
  const purgeLimit = options.purgeLimit ?? 500;
  const now = options.now ?? Date.now;
  const db = openWalDatabase(path, { busyTimeoutMs: options.busyTimeoutMs ?? 2_000 });
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const get = db.prepare('SELECT value, expires_at AS expiresAt, stale_until AS staleUntil FROM cache_entries WHERE key = ? AND stale_until > ?');
  const put = db.prepare(
    `INSERT INTO cache_entries (key, value, expires_at, stale_until) VALUES (?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, stale_until = excluded.stale_until`,
  );
  const del = db.prepare('DELETE FROM cache_entries WHERE key = ?');
  const purge = db.prepare('DELETE FROM cache_entries WHERE rowid IN (SELECT rowid FROM cache_entries WHERE stale_until <= ? LIMIT ?)');
  let writes = 0;
  let closed = false;

  return {
    kind: 'sqlite',
    async get(key, at) {
      return get.get(key, at) as CacheEntry | undefined;
    },
    async set(key, value, expiresAt, staleUntil) {
      put.run(key, value, expiresAt, staleUntil);
      if (++writes % purgeEvery === 0) purge.run(now(), purgeLimit);
    },
    async delete(key) {
      del.run(key);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
