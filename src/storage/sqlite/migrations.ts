import type { Database } from 'better-sqlite3';

/**
 * Numbered, append-only migrations. A migration is never edited once released: add a new one.
 * Applied in order inside a transaction; `schema_migrations` records what ran.
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

export const CORE_MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'usage-events',
    sql: `
      CREATE TABLE usage_events (
        request_id TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        endpoint TEXT NOT NULL,
        key_id TEXT NOT NULL,
        team TEXT NOT NULL,
        agent TEXT,
        workflow TEXT,
        run TEXT,
        tags TEXT NOT NULL,
        model TEXT NOT NULL,
        route TEXT,
        provider TEXT,
        stream INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        cache_write_input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        usage_estimated INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        price_version TEXT NOT NULL,
        latency_ms REAL NOT NULL,
        ttft_ms REAL,
        status INTEGER NOT NULL,
        error_code TEXT,
        outcome TEXT NOT NULL,
        upstream_status INTEGER
      ) STRICT;
      CREATE INDEX usage_events_ts ON usage_events (ts);
      CREATE INDEX usage_events_team_ts ON usage_events (team, ts);
    `,
  },
  {
    id: 2,
    name: 'api-keys',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        display_prefix TEXT NOT NULL,
        name TEXT NOT NULL,
        team TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
    `,
  },
  {
    id: 3,
    name: 'responses',
    sql: `
      CREATE TABLE responses (
        id TEXT PRIMARY KEY,
        team TEXT NOT NULL,
        key_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        response TEXT NOT NULL,
        conversation TEXT NOT NULL
      ) STRICT;
      CREATE INDEX responses_expires_at ON responses (expires_at);
    `,
  },
  {
    id: 4,
    name: 'usage-events-agent',
    sql: `
      CREATE INDEX usage_events_agent ON usage_events (agent) WHERE agent IS NOT NULL;
      DROP TABLE api_keys;
    `,
  },
  {
    id: 5,
    name: 'usage-attribution-and-rollups',
    // Hourly and daily rollups, kept by the ledger store in the insert's transaction (only rows the
    // INSERT OR IGNORE actually inserted are added). Queries read whole days from usage_daily and the
    // hours at the edges of a range from usage_hourly, by primary-key range (no secondary index: on
    // these wide keys one would cost more at every insert than it saves a team-filtered query).
    // Existing events are rolled up here once.
    sql: `
      ALTER TABLE usage_events ADD COLUMN user_name TEXT;
      ALTER TABLE usage_events ADD COLUMN savings_micros INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE usage_hourly (
        hour INTEGER NOT NULL,
        team TEXT NOT NULL,
        user_name TEXT NOT NULL,
        key_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        workflow TEXT NOT NULL,
        repo TEXT NOT NULL,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        route TEXT NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        cache_write_input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        savings_micros INTEGER NOT NULL,
        PRIMARY KEY (hour, team, user_name, key_id, agent, workflow, repo, model, provider, route)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE usage_daily (
        day INTEGER NOT NULL,
        team TEXT NOT NULL,
        user_name TEXT NOT NULL,
        key_id TEXT NOT NULL,
        agent TEXT NOT NULL,
        workflow TEXT NOT NULL,
        repo TEXT NOT NULL,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        route TEXT NOT NULL,
        requests INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        cache_write_input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        savings_micros INTEGER NOT NULL,
        PRIMARY KEY (day, team, user_name, key_id, agent, workflow, repo, model, provider, route)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO usage_hourly
        SELECT (ts / 3600000) * 3600000, team, COALESCE(user_name, ''), key_id, COALESCE(agent, ''), COALESCE(workflow, ''),
          COALESCE(json_extract(tags, '$.repo'), ''), model, COALESCE(provider, ''), COALESCE(route, ''),
          COUNT(*), SUM(status >= 400), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_input_tokens),
          SUM(output_tokens), SUM(cost_micros), SUM(savings_micros)
        FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
      INSERT INTO usage_daily
        SELECT (ts / 86400000) * 86400000, team, COALESCE(user_name, ''), key_id, COALESCE(agent, ''), COALESCE(workflow, ''),
          COALESCE(json_extract(tags, '$.repo'), ''), model, COALESCE(provider, ''), COALESCE(route, ''),
          COUNT(*), SUM(status >= 400), SUM(input_tokens), SUM(cached_input_tokens), SUM(cache_write_input_tokens),
          SUM(output_tokens), SUM(cost_micros), SUM(savings_micros)
        FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
    `,
  },
  {
    id: 6,
    name: 'usage-routing-and-cache',
    // Routing and cache evidence per request (docs/routing.md, docs/caching.md).
    sql: `
      ALTER TABLE usage_events ADD COLUMN served_model TEXT;
      ALTER TABLE usage_events ADD COLUMN route_reason TEXT;
      ALTER TABLE usage_events ADD COLUMN cache_status TEXT;
      ALTER TABLE usage_events ADD COLUMN attempts INTEGER;
      ALTER TABLE usage_hourly ADD COLUMN cache_hits INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE usage_daily ADD COLUMN cache_hits INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    id: 7,
    name: 'usage-policy-and-guardrail-evidence',
    // Policy decisions and guardrail hits per request (docs/policy.md, docs/guardrails.md): ids and rule names, never text.
    sql: `
      ALTER TABLE usage_events ADD COLUMN policy_evidence TEXT;
      ALTER TABLE usage_events ADD COLUMN guardrail_evidence TEXT;
    `,
  },
  {
    id: 8,
    name: 'agent-drift',
    // One row per (agent, kind, item) of agent drift (docs/agents.md#drift-detection), upserted in batches.
    sql: `
      CREATE TABLE agent_drift (
        agent TEXT NOT NULL,
        kind TEXT NOT NULL,
        item TEXT NOT NULL,
        team TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (agent, kind, item)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX agent_drift_last_seen ON agent_drift (last_seen);
    `,
  },
  {
    id: 9,
    name: 'agent-drift-per-team',
    // The team is part of a finding: two teams naming the same unregistered agent never share a row.
    sql: `
      CREATE TABLE agent_drift_v2 (
        agent TEXT NOT NULL,
        kind TEXT NOT NULL,
        item TEXT NOT NULL,
        team TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (agent, kind, item, team)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO agent_drift_v2 SELECT agent, kind, item, team, first_seen, last_seen, count FROM agent_drift;
      DROP TABLE agent_drift;
      ALTER TABLE agent_drift_v2 RENAME TO agent_drift;
      CREATE INDEX agent_drift_last_seen ON agent_drift (last_seen);
    `,
  },
];

export function applyMigrations(db: Database, migrations: readonly Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const done = new Set(db.prepare('SELECT id FROM schema_migrations').pluck().all() as number[]);
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (done.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, m.name, Date.now());
    })();
    applied.push(m.id);
  }
  return applied;
}
