import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { describePostgres, POSTGRES_URL } from '../../../test/helpers/postgres.js';
import { createTestSchemas } from '../../../test/helpers/postgres-schemas.js';
import { describeLedgerStoreContract } from '../contract/ledger-store.contract.js';
import { usageEvent } from '../contract/usage-event.js';
import type { LedgerStore } from '../ports/ledger-store.js';
import { usageRowsSql } from './ledger-queries.js';
import { openPostgresLedgerStore } from './postgres-ledger-store.js';
import { openPostgresResourceStore } from './postgres.js';

const schemas = createTestSchemas('gantry_ledger');
const open = async (schema = schemas.fresh()): Promise<LedgerStore> => schemas.track(await openPostgresLedgerStore({ url: POSTGRES_URL, schema }));

describePostgres('postgres ledger store', () => {
  afterAll(() => schemas.cleanup());

  describeLedgerStoreContract('postgres', () => open());

  it('shares one schema with the resource store (one migration history), and replicas share events', async () => {
    const schema = schemas.fresh();
    const resources = await openPostgresResourceStore({ url: POSTGRES_URL, schema });
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    await Promise.all([
      a.appendBatch(Array.from({ length: 600 }, (_, i) => usageEvent({ requestId: `r-${i}`, costMicros: 1 }))),
      b.appendBatch(Array.from({ length: 600 }, (_, i) => usageEvent({ requestId: `r-${599 - i}`, costMicros: 1 }))),
    ]);
    expect(await b.totals()).toEqual({ events: 600, costMicros: 600 });
    const usage = await a.usage({ from: 0, to: 2_000_000_000_000, groupBy: ['team'] });
    expect(usage.totals.requests).toBe(600);
    await resources.close();
  });

  it('answers usage from indexes on the rollups (whole days from the daily one)', async () => {
    const schema = schemas.fresh();
    const store = await open(schema);
    const hour = Date.UTC(2026, 10, 1);
    for (let batch = 0; batch < 5; batch++) {
      await store.appendBatch(
        Array.from({ length: 2000 }, (_, i) =>
          usageEvent({ requestId: `p-${batch}-${i}`, ts: hour + (batch * 2000 + i) * 360_000, team: `team-${i % 40}`, agent: `agent-${i % 7}` }),
        ),
      );
    }
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
    await client.connect();
    await client.query('ANALYZE usage_hourly');
    await client.query('ANALYZE usage_daily');
    const plan = async (q: Parameters<typeof usageRowsSql>[1]) => {
      const sql = usageRowsSql('postgres', q, q.from, q.to, 100);
      return (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql.text}`, sql.params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    const day = 86_400_000;
    const index = (name: string) => new RegExp(`(Index (Only )?Scan using|Bitmap Index Scan on) ${name}`);
    const month = await plan({ from: hour + 3 * day - 3_600_000, to: hour + 6 * day + 3_600_000, groupBy: ['team', 'agent'] });
    expect(month).toMatch(index('usage_daily_pkey'));
    expect(month).toMatch(index('usage_hourly_pkey'));
    expect(month).not.toMatch(/Seq Scan/);
    expect(await plan({ from: hour, to: hour + 30 * day, groupBy: ['agent'], filter: { team: ['team-3'] } })).toMatch(index('usage_daily_team_day'));
    await client.end();
  });
});
