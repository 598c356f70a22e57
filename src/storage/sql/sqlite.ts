import type { Database, Statement } from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { ResourceStore, ResourceStoreOptions } from '../ports/resource-store.js';
import { runMigrations } from './migrations/run-migrations.js';
import { SQLITE_MIGRATIONS } from './migrations/sqlite-migrations.js';
import type { Plan, TransactionRunner } from './plan.js';
import { createSqlResourceStore } from './resource-store.js';
import type { Db } from './schema.js';
import { openWalDatabase } from '../sqlite/wal.js';

const STATEMENT_CACHE_SIZE = 64;

/**
 * Runs a plan synchronously inside `BEGIN IMMEDIATE … COMMIT` on the raw connection. better-sqlite3 is
 * synchronous: a transaction that stayed open across awaits would make any other connection of this
 * process (the ledger writer, a second store) busy-wait on the lock while blocking the event loop that
 * should finish the transaction. Run to completion in one call, the lock is never held across a yield.
 */
export function sqliteTransactionRunner(raw: Database): TransactionRunner {
  const statements = new Map<string, Statement>();
  const prepare = (text: string): Statement => {
    let stmt = statements.get(text);
    if (!stmt) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
      stmt = raw.prepare(text);
      statements.set(text, stmt);
    }
    return stmt;
  };
  return async <T>(plan: () => Plan<T>) =>
    raw
      .transaction(() => {
        const steps = plan();
        let next = steps.next();
        while (!next.done) {
          const stmt = prepare(next.value.sql);
          const params = next.value.parameters.map((p) => (p === undefined ? null : p));
          if (stmt.reader) next = steps.next(stmt.all(...params));
          else {
            stmt.run(...params);
            next = steps.next([]);
          }
        }
        return next.value;
      })
      .immediate();
}

/** Opens a connection tuned for several processes sharing one file (as `storage/sqlite/database.ts`). */
export function openSqliteConnection(path: string): Database {
  return openWalDatabase(path);
}

export interface SqliteResourceStoreOptions extends ResourceStoreOptions {
  readonly clock?: Pick<Clock, 'now'>;
}

/**
 * The embedded ResourceStore: its own connection to the file, migrated, no push notifications (callers
 * poll `revision()`). Open stores on one file one after another: migrations hold the write lock.
 */
export async function openSqliteResourceStore(path: string, options: SqliteResourceStoreOptions = {}): Promise<ResourceStore> {
  const raw = openSqliteConnection(path);
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: raw }) });
  try {
    // Kysely's SQLite migrator takes no lock; IMMEDIATE makes a second process wait for the first.
    raw.exec('BEGIN IMMEDIATE');
    await runMigrations(db, SQLITE_MIGRATIONS);
    raw.exec('COMMIT');
  } catch (err) {
    if (raw.inTransaction) raw.exec('ROLLBACK');
    await db.destroy();
    throw err;
  }
  return createSqlResourceStore(db, 'sqlite', {
    ...options,
    runTransaction: sqliteTransactionRunner(raw),
    subscribe: undefined,
    close: () => db.destroy(),
  });
}
