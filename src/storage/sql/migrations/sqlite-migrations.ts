import { sql } from 'kysely';
import { type SqlMigration, statements } from './run-migrations.js';

export const SQLITE_MIGRATIONS: readonly SqlMigration[] = [
  {
    id: '0001_resources',
    up: (db) =>
      statements(db, [
        sql`CREATE TABLE resources (
          kind TEXT NOT NULL,
          name TEXT NOT NULL,
          uid TEXT NOT NULL,
          team TEXT,
          owner TEXT,
          labels TEXT NOT NULL DEFAULT '{}',
          spec TEXT,
          status TEXT,
          secret TEXT,
          generation INTEGER NOT NULL,
          revision INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          created_by TEXT NOT NULL,
          updated_by TEXT NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          last_used_at INTEGER,
          PRIMARY KEY (kind, name)
        )`,
        sql`CREATE INDEX resources_kind_team_name ON resources (kind, team, name)`,
        sql`CREATE INDEX resources_kind_owner_name ON resources (kind, owner, name)`,
        sql`CREATE INDEX resources_revision ON resources (revision)`,
        sql`CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          ts INTEGER NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          kind TEXT,
          name TEXT,
          team TEXT,
          outcome TEXT NOT NULL,
          request_id TEXT,
          source_ip TEXT,
          before TEXT,
          after TEXT,
          diff TEXT,
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL,
          seal TEXT
        )`,
        sql`CREATE TABLE store_meta (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL)`,
        sql`INSERT INTO store_meta (id, revision) VALUES (1, 0)`,
      ]),
  },
];
