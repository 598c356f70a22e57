import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { POSTGRES_URL } from './postgres.js';

interface Closable {
  close?(): Promise<void>;
}

/**
 * Throwaway schemas for one Postgres test file (a random run id, so parallel runs never share one):
 * fresh() names a new schema, track() remembers a store to close, cleanup() (afterAll) closes the
 * stores, then drops the schemas.
 */
export function createTestSchemas(prefix: string) {
  const runId = randomBytes(4).toString('hex');
  const schemas: string[] = [];
  const opened: Closable[] = [];
  return {
    fresh(): string {
      const schema = `${prefix}_${runId}_${schemas.length}`;
      schemas.push(schema);
      return schema;
    },
    track<T extends Closable>(store: T): T {
      opened.push(store);
      return store;
    },
    async cleanup(): Promise<void> {
      await Promise.all(opened.map((s) => s.close?.()));
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.end();
    },
  };
}
