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
  {
    // The usage ledger, shared by replicas. usage_hourly and usage_daily are kept by the ledger store in
    // the insert's transaction (INSERT … ON CONFLICT DO NOTHING RETURNING, then an upsert of what was inserted).
    id: '0002_usage_ledger',
    up: (db) =>
      statements(db, [
        sql`CREATE TABLE usage_events (
          request_id text PRIMARY KEY,
          ts bigint NOT NULL,
          endpoint text NOT NULL,
          key_id text NOT NULL,
          team text NOT NULL,
          user_name text,
          agent text,
          workflow text,
          run text,
          tags jsonb NOT NULL,
          model text NOT NULL,
          route text,
          provider text,
          stream boolean NOT NULL,
          input_tokens bigint NOT NULL,
          cached_input_tokens bigint NOT NULL,
          cache_write_input_tokens bigint NOT NULL,
          output_tokens bigint NOT NULL,
          usage_estimated boolean NOT NULL,
          cost_micros bigint NOT NULL,
          savings_micros bigint NOT NULL DEFAULT 0,
          price_version text NOT NULL,
          latency_ms double precision NOT NULL,
          ttft_ms double precision,
          status integer NOT NULL,
          error_code text,
          outcome text NOT NULL,
          upstream_status integer
        )`,
        sql`CREATE INDEX usage_events_ts ON usage_events (ts)`,
        sql`CREATE INDEX usage_events_team_ts ON usage_events (team, ts)`,
        sql`CREATE INDEX usage_events_agent ON usage_events (agent) WHERE agent IS NOT NULL`,
        sql`CREATE TABLE usage_hourly (
          hour bigint NOT NULL,
          team text COLLATE "C" NOT NULL,
          user_name text COLLATE "C" NOT NULL,
          key_id text COLLATE "C" NOT NULL,
          agent text COLLATE "C" NOT NULL,
          workflow text COLLATE "C" NOT NULL,
          repo text COLLATE "C" NOT NULL,
          model text COLLATE "C" NOT NULL,
          provider text COLLATE "C" NOT NULL,
          route text COLLATE "C" NOT NULL,
          requests bigint NOT NULL,
          errors bigint NOT NULL,
          input_tokens bigint NOT NULL,
          cached_input_tokens bigint NOT NULL,
          cache_write_input_tokens bigint NOT NULL,
          output_tokens bigint NOT NULL,
          cost_micros bigint NOT NULL,
          savings_micros bigint NOT NULL,
          PRIMARY KEY (hour, team, user_name, key_id, agent, workflow, repo, model, provider, route)
        )`,
        sql`CREATE INDEX usage_hourly_team_hour ON usage_hourly (team, hour)`,
        sql`CREATE TABLE usage_daily (
          day bigint NOT NULL,
          team text COLLATE "C" NOT NULL,
          user_name text COLLATE "C" NOT NULL,
          key_id text COLLATE "C" NOT NULL,
          agent text COLLATE "C" NOT NULL,
          workflow text COLLATE "C" NOT NULL,
          repo text COLLATE "C" NOT NULL,
          model text COLLATE "C" NOT NULL,
          provider text COLLATE "C" NOT NULL,
          route text COLLATE "C" NOT NULL,
          requests bigint NOT NULL,
          errors bigint NOT NULL,
          input_tokens bigint NOT NULL,
          cached_input_tokens bigint NOT NULL,
          cache_write_input_tokens bigint NOT NULL,
          output_tokens bigint NOT NULL,
          cost_micros bigint NOT NULL,
          savings_micros bigint NOT NULL,
          PRIMARY KEY (day, team, user_name, key_id, agent, workflow, repo, model, provider, route)
        )`,
        sql`CREATE INDEX usage_daily_team_day ON usage_daily (team, day)`,
      ]),
  },
  {
    id: '0003_usage_routing_and_cache',
    up: (db) =>
      statements(db, [
        sql`ALTER TABLE usage_events ADD COLUMN served_model text`,
        sql`ALTER TABLE usage_events ADD COLUMN route_reason text`,
        sql`ALTER TABLE usage_events ADD COLUMN cache_status text`,
        sql`ALTER TABLE usage_events ADD COLUMN attempts integer`,
        sql`ALTER TABLE usage_hourly ADD COLUMN cache_hits bigint NOT NULL DEFAULT 0`,
        sql`ALTER TABLE usage_daily ADD COLUMN cache_hits bigint NOT NULL DEFAULT 0`,
      ]),
  },
  {
    id: '0004_usage_policy_and_guardrail_evidence',
    up: (db) =>
      statements(db, [
        sql`ALTER TABLE usage_events ADD COLUMN policy_evidence text`,
        sql`ALTER TABLE usage_events ADD COLUMN guardrail_evidence text`,
      ]),
  },
  {
    // One row per (agent, kind, item) of agent drift (docs/agents.md#drift-detection), upserted in batches.
    id: '0005_agent_drift',
    up: (db) =>
      statements(db, [
        sql`CREATE TABLE agent_drift (
          agent text COLLATE "C" NOT NULL,
          kind text COLLATE "C" NOT NULL,
          item text COLLATE "C" NOT NULL,
          team text COLLATE "C" NOT NULL,
          first_seen bigint NOT NULL,
          last_seen bigint NOT NULL,
          count bigint NOT NULL,
          PRIMARY KEY (agent, kind, item)
        )`,
        sql`CREATE INDEX agent_drift_last_seen ON agent_drift (last_seen)`,
      ]),
  },
  {
    // The team is part of a finding: two teams naming the same unregistered agent never share a row.
    id: '0006_agent_drift_per_team',
    up: (db) =>
      statements(db, [
        sql`ALTER TABLE agent_drift DROP CONSTRAINT agent_drift_pkey`,
        sql`ALTER TABLE agent_drift ADD PRIMARY KEY (agent, kind, item, team)`,
      ]),
  },
];
