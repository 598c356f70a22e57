import pg from 'pg';
import { GatewayError } from '../../kernel/errors/index.js';

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
 * The connection settings of a Gantry store on Postgres: bounded connect and query waits (an
 * unreachable or stuck database fails a call rather than hang it), and the tables in `schema`
 * (validated, created if missing) through search_path. Shared by the resource store and the ledger.
 */
export async function postgresConfig(url: string, schema: string | undefined, queryTimeoutMs: number): Promise<pg.ClientConfig> {
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new GatewayError(
      'GW_CONFIG_INVALID',
      `Postgres schema "${schema}" is not valid: use lower-case letters, digits and _, starting with a letter or _.`,
    );
  }
  const base: pg.ClientConfig = { connectionString: url, connectionTimeoutMillis: 5_000, query_timeout: queryTimeoutMs };
  if (schema === undefined) return base;
  await ensureSchema(base, schema);
  return { ...base, options: `-c search_path=${schema}` };
}
