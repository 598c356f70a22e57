import { type Kysely, Migrator, type sql } from 'kysely';
import { GatewayError } from '../../../kernel/errors/index.js';
import type { Db } from '../schema.js';

/** Runs statements one by one (better-sqlite3 runs one statement per call; Postgres does not mind). */
export async function statements(db: Kysely<unknown>, list: readonly ReturnType<typeof sql>[]): Promise<void> {
  for (const s of list) await s.execute(db);
}

export interface SqlMigration {
  /** Sorts the migrations: `0001_resources`, `0002_…`. Never rename one that shipped. */
  readonly id: string;
  up(db: Kysely<unknown>): Promise<void>;
}

/**
 * Applies the pending migrations with Kysely's Migrator and an in-code provider (no migration files to
 * ship). Own table names, so another Kysely migrator in the same database never sees these.
 */
export async function runMigrations(db: Kysely<Db>, migrations: readonly SqlMigration[], schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(migrations.map((m) => [m.id, { up: (d: Kysely<unknown>) => m.up(d) }])) },
    migrationTableName: 'gantry_resource_migration',
    migrationLockTableName: 'gantry_resource_migration_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'setup';
    const reason = error instanceof Error ? error.message : String(error);
    throw new GatewayError(
      'GW_INTERNAL',
      `The resource store could not migrate its database (${failed}: ${reason}). Check that the database is reachable and writable, then restart.`,
      { cause: error },
    );
  }
}
