import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Clock } from '../../kernel/clock.js';
import type { ResourceStore, ResourceStoreOptions } from '../ports/resource-store.js';
import { postgresConfig } from './pg-schema.js';
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

/**
 * The shared ResourceStore for scaled-out Gantry: a small pool for queries, migrations under Kysely's
 * advisory lock, and LISTEN/NOTIFY so every process hears about every commit.
 */
export async function openPostgresResourceStore(options: PostgresResourceStoreOptions): Promise<ResourceStore> {
  const { schema } = options;
  // Bounded waits: an unreachable or stuck database must fail a refresh (the last snapshot keeps
  // serving, /readyz reports it) rather than hang it, and every later one queued behind it.
  const config = await postgresConfig(options.url, schema, 30_000);

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
