import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Clock } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { ResourceStore, ResourceStoreOptions } from '../ports/resource-store.js';
import { POSTGRES_MIGRATIONS } from './migrations/postgres-migrations.js';
import { runMigrations } from './migrations/run-migrations.js';
import { createPgListener } from './pg-listener.js';
import { createSqlResourceStore, NOTIFY_CHANNEL } from './resource-store.js';
import type { Db } from './schema.js';

export interface PostgresResourceStoreOptions extends ResourceStoreOptions {
  readonly url: string;
  /** Tables live in this schema (created if missing); default: the server's search_path (public). */
  readonly schema?: string;
  /** Pool size; the LISTEN connection comes on top. */
  readonly maxConnections?: number;
  readonly clock?: Pick<Clock, 'now'>;
}

/** Lower-case identifiers only: they need no quoting in search_path, and no quoting means no injection. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function ensureSchema(config: pg.ClientConfig, schema: string): Promise<void> {
  const client = new pg.Client(config);
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    // Two processes creating it at once: one of them gets a unique violation, and the schema exists.
    if ((err as { code?: string }).code !== '23505') throw err;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The shared ResourceStore for scaled-out Gantry: a small pool for queries, migrations under Kysely's
 * advisory lock, and LISTEN/NOTIFY so every process hears about every commit.
 */
export async function openPostgresResourceStore(options: PostgresResourceStoreOptions): Promise<ResourceStore> {
  const { schema } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new GatewayError(
      'GW_CONFIG_INVALID',
      `Postgres schema "${schema}" is not valid: use lower-case letters, digits and _, starting with a letter or _.`,
    );
  }
  // Bounded waits: an unreachable or stuck database must fail a refresh (the last snapshot keeps
  // serving, /readyz reports it) rather than hang it, and every later one queued behind it.
  const base: pg.ClientConfig = { connectionString: options.url, connectionTimeoutMillis: 5_000, query_timeout: 30_000 };
  const config: pg.ClientConfig = schema === undefined ? base : { ...base, options: `-c search_path=${schema}` };
  if (schema !== undefined) await ensureSchema(base, schema);

  const pool = new pg.Pool({ ...config, max: options.maxConnections ?? 5, application_name: 'gantry' });
  // An idle client whose server went away: the pool drops it and the next query opens a new one.
  pool.on('error', () => {});
  const db = new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });

  const listeners = new Set<() => void>();
  // Through a microtask, so a throwing listener never unwinds into pg's socket handling.
  const notify = () => {
    for (const listener of listeners) queueMicrotask(listener);
  };
  const listener = createPgListener({ ...config, application_name: `gantry-listen${schema ? `:${schema}` : ''}` }, NOTIFY_CHANNEL, notify);
  try {
    await runMigrations(db, POSTGRES_MIGRATIONS, schema);
    await listener.start();
  } catch (err) {
    await listener.close();
    await db.destroy();
    throw err;
  }

  return createSqlResourceStore(db, 'postgres', {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.seal ? { seal: options.seal } : {}),
    subscribe: (fn) => {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    close: async () => {
      listeners.clear();
      await listener.close();
      await db.destroy();
    },
  });
}
