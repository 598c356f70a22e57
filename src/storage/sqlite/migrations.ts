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
