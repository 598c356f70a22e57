import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { describePostgres, POSTGRES_URL } from '../../../test/helpers/postgres.js';
import { auditHash } from '../../kernel/audit-hash.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { draftOf, expectLinearChain, putOf, resourceStoreContract } from '../contract/resource-store.contract.js';
import { listQuery } from './list-query.js';
import { openPostgresResourceStore } from './postgres.js';
import type { Db } from './schema.js';

const runId = randomBytes(4).toString('hex');
const schemas: string[] = [];
const freshSchema = () => {
  const schema = `gantry_test_${runId}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};
const open = (schema: string) => openPostgresResourceStore({ url: POSTGRES_URL, schema });

async function withClient<T>(schema: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const waitFor = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describePostgres('postgres resource store', () => {
  afterAll(async () => {
    if (schemas.length === 0) return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  });

  resourceStoreContract('postgres', () => open(freshSchema()), {
    openPair: async () => {
      const schema = freshSchema();
      const a = await open(schema);
      return [a, await open(schema)];
    },
  });

  it('opens concurrently on one new schema (migrations lock)', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([open(schema), open(schema), open(schema)]);
    await stores[0]!.commit([putOf('k1')], []);
    expect(await stores[2]!.get('ApiKey', 'k1')).toMatchObject({ generation: 1 });
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a schema name that would need quoting', async () => {
    await expect(openPostgresResourceStore({ url: POSTGRES_URL, schema: 'x; DROP TABLE y' })).rejects.toBeInstanceOf(GatewayError);
  });

  it('returns audit rows as stored, so an edit made behind its back is visible to a verifier', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    await store.commit([putOf('k1')], [draftOf(), draftOf({ actor: 'user:bob' }), draftOf()]);
    await withClient(schema, (c) => c.query(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`));
    const log = await store.listAudit(0, 10);
    expect(log[1]?.actor).toBe('mallory');
    expect(log[1]?.hash).not.toBe(auditHash(log[1]!.prevHash, log[1]!));
    expect(() => expectLinearChain(log)).toThrow();
    await store.close();
  });

  it('keeps listening after its LISTEN connection is killed', async () => {
    const schema = freshSchema();
    const [a, b] = [await open(schema), await open(schema)];
    let calls = 0;
    b.subscribe?.(() => {
      calls += 1;
    });
    const appName = `gantry-listen:${schema}`;
    const listening = () => withClient(schema, async (c) => (await c.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName])).rows);
    expect(await listening()).toHaveLength(2);
    await withClient(schema, (c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]));
    await waitFor(async () => (await listening()).length === 2);
    await waitFor(() => calls > 0); // the reconnect itself tells subscribers to re-check
    calls = 0;
    await a.commit([putOf('after-reconnect')], []);
    await waitFor(() => calls > 0);
    await Promise.all([a.close(), b.close()]);
  });

  it('pages with an index on a large table', async () => {
    const schema = freshSchema();
    const store = await open(schema);
    for (let s = 0; s < 20_000; s += 10_000) {
      await store.commit(
        Array.from({ length: 10_000 }, (_, i) => putOf(`key-${String(s + i).padStart(6, '0')}`, { team: `team-${(s + i) % 50}`, labels: { env: i % 2 ? 'prod' : 'dev' } })),
        [],
      );
    }
    await store.close();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}`, max: 1 });
    const db = new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
    await pool.query('ANALYZE resources');
    for (const query of [{ limit: 50 }, { limit: 50, after: 'key-010000', labels: { env: 'prod' } }, { limit: 50, teams: ['team-3'] }]) {
      const c = listQuery(db, 'postgres', 'ApiKey', query).compile();
      const { rows: plan } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${c.sql}`, [...c.parameters]);
      expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using (resources_pkey|resources_kind_team_name)/);
    }
    await db.destroy();
  });
});
