import type { Database } from 'better-sqlite3';
import type { DriftStore } from '../storage/ports/drift-store.js';
import { createSqliteDriftStore } from '../storage/sqlite/drift-store.js';
import type { Settings } from './settings.js';

/** Drift findings live next to the usage ledger: Postgres when GANTRY_DATABASE_URL is set (replicas share them), else the SQLite file. */
export async function openDriftStore(settings: Pick<Settings, 'databaseUrl' | 'databaseSchema'>, db: Database): Promise<DriftStore> {
  if (settings.databaseUrl) {
    const { openPostgresDriftStore } = await import('../storage/sql/postgres-drift-store.js');
    return openPostgresDriftStore({ url: settings.databaseUrl, ...(settings.databaseSchema === undefined ? {} : { schema: settings.databaseSchema }) });
  }
  return createSqliteDriftStore(db);
}
