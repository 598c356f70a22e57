import pg from 'pg';
import { describe } from 'vitest';

/** The Postgres of the test machine (trust auth); GANTRY_TEST_POSTGRES_URL points elsewhere. */
export const POSTGRES_URL = process.env.GANTRY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresAvailable(url = POSTGRES_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** host:port/db only: a URL may carry a password, which never goes to a log. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

const required = process.env.CI === 'true';
const available = required || (await postgresAvailable());
if (!available) console.warn(`Postgres tests SKIPPED: nothing answers at ${where(POSTGRES_URL)} (they are required when CI=true).`);

/** `describe` when Postgres is reachable or CI=true (then an unreachable server fails the tests), else `describe.skip`. */
export const describePostgres = available ? describe : describe.skip;
