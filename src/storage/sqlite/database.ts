import type { Database } from 'better-sqlite3';
import { applyMigrations, CORE_MIGRATIONS, type Migration } from './migrations.js';
import { openWalDatabase } from './wal.js';

/**
 * Opens (creating if needed) the embedded SQLite database: WAL mode so readers never block the batch
 * writer, a busy timeout so several processes on one host can share the file, then migrations.
 */
export function openSqlite(path: string, extraMigrations: readonly Migration[] = []): Database {
  const db = openWalDatabase(path);
  db.pragma('foreign_keys = ON');
  applyMigrations(db, [...CORE_MIGRATIONS, ...extraMigrations]);
  // Planner statistics, bounded (a sample per index) so a large ledger opens quickly: with them a
  // usage query filtered by team skip-scans the rollups' primary key instead of reading every row.
  db.pragma('analysis_limit = 1000');
  db.pragma('optimize = 0x10002');
  return db;
}
