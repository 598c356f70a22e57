import BetterSqlite3, { type Database } from 'better-sqlite3';
import { applyMigrations, CORE_MIGRATIONS, type Migration } from './migrations.js';

/**
 * Opens (creating if needed) the embedded SQLite database: WAL mode so readers never block the batch
 * writer, a busy timeout so several processes on one host can share the file, then migrations.
 */
export function openSqlite(path: string, extraMigrations: readonly Migration[] = []): Database {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  applyMigrations(db, [...CORE_MIGRATIONS, ...extraMigrations]);
  // Planner statistics, bounded (a sample per index) so a large ledger opens quickly: with them a
  // usage query filtered by team skip-scans the rollups' primary key instead of reading every row.
  db.pragma('analysis_limit = 1000');
  db.pragma('optimize = 0x10002');
  return db;
}
