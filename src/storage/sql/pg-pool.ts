import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { POSTGRES_MIGRATIONS } from './migrations/postgres-migrations.js';
import { runMigrations } from './migrations/run-migrations.js';
import { postgresConfig } from './pg-schema.js';
import type { Db } from './schema.js';

export interface MigratedPoolOptions {
  readonly url: string;
  readonly schema: string | undefined;
  readonly max: number;
  readonly applicationName: string;
  readonly queryTimeoutMs: number;
}

/**
 * A pool of its own for a store on the shared database (the ledger, with the drift findings), with the
 * migrations run: whichever store opens first creates the tables (runMigrations takes Kysely's advisory lock).
 */
export async function openMigratedPool(options: MigratedPoolOptions): Promise<{ pool: pg.Pool; db: Kysely<Db> }> {
  const config = await postgresConfig(options.url, options.schema, options.queryTimeoutMs);
  const pool = new pg.Pool({ ...config, max: options.max, application_name: options.applicationName });
  // An idle client whose server went away: the pool drops it and the next query opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
  try {
    await runMigrations(db, POSTGRES_MIGRATIONS, options.schema);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { pool, db };
}

/** `fn` on one pooled client inside `begin` … COMMIT; any error rolls back (best effort) and is rethrown. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
