import { sql } from 'kysely';
import { type SqlMigration, statements } from './run-migrations.js';

/**
 * kind, name and team use the "C" collation: names sort and compare by bytes (keyset pagination must
 * agree with the memory and SQLite adapters) whatever the database's default locale is.
 */
export const POSTGRES_MIGRATIONS: readonly SqlMigration[] = [
  {
    id: '0001_resources',
    up: (db) =>
      statements(db, [
        sql`CREATE TABLE resources (
          kind text COLLATE "C" NOT NULL,
          name text COLLATE "C" NOT NULL,
          uid text NOT NULL,
          team text COLLATE "C",
          owner text COLLATE "C",
          labels jsonb NOT NULL DEFAULT '{}',
          spec text,
          status text,
          secret text,
          generation integer NOT NULL,
          revision bigint NOT NULL,
          created_at bigint NOT NULL,
          updated_at bigint NOT NULL,
          created_by text NOT NULL,
          updated_by text NOT NULL,
          deleted boolean NOT NULL DEFAULT false,
          last_used_at bigint,
          PRIMARY KEY (kind, name)
        )`,
        sql`CREATE INDEX resources_kind_team_name ON resources (kind, team, name)`,
        sql`CREATE INDEX resources_kind_owner_name ON resources (kind, owner, name)`,
        sql`CREATE INDEX resources_revision ON resources (revision)`,
        sql`CREATE TABLE audit_log (
          seq bigint PRIMARY KEY,
          ts bigint NOT NULL,
          actor text NOT NULL,
          action text NOT NULL,
          kind text,
          name text,
          team text,
          outcome text NOT NULL,
          request_id text,
          source_ip text,
          before text,
          after text,
          diff text,
          prev_hash text NOT NULL,
          hash text NOT NULL,
          seal text
        )`,
        sql`CREATE TABLE store_meta (id integer PRIMARY KEY CHECK (id = 1), revision bigint NOT NULL)`,
        sql`INSERT INTO store_meta (id, revision) VALUES (1, 0)`,
      ]),
  },
];
