import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { describePostgres, POSTGRES_URL } from '../../../test/helpers/postgres.js';
import { describeDriftStoreContract, observation } from '../contract/drift-store.contract.js';
import type { DriftStore } from '../ports/drift-store.js';
import { openPostgresDriftStore } from './postgres-drift-store.js';
import { openPostgresLedgerStore } from './postgres-ledger-store.js';

const runId = randomBytes(4).toString('hex');
const schemas: string[] = [];
const opened: { close?: () => Promise<void> }[] = [];
const freshSchema = () => {
  const schema = `gantry_drift_${runId}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};
const open = async (schema = freshSchema()): Promise<DriftStore> => {
  const store = await openPostgresDriftStore({ url: POSTGRES_URL, schema });
  opened.push(store);
  return store;
};

describePostgres('postgres drift store', () => {
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close?.()));
    if (schemas.length === 0) return;
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  });

  describeDriftStoreContract('postgres', () => open());

  it('replicas writing the same keys at once add up (no lost update, no deadlock), next to the ledger', async () => {
    const schema = freshSchema();
    const ledger = await openPostgresLedgerStore({ url: POSTGRES_URL, schema });
    opened.push({ close: async () => ledger.close?.() });
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const batch = (reverse: boolean) => {
      const list = Array.from({ length: 300 }, (_, i) => observation({ item: `tool-${i}`, count: 1 }));
      return reverse ? list.reverse() : list;
    };
    await Promise.all(Array.from({ length: 5 }, (_, i) => (i % 2 ? a : b).record(batch(i % 2 === 0))));
    const found = await a.list({ since: 0, limit: 1_000 });
    expect(found).toHaveLength(300);
    expect(found.every((f) => f.count === 5)).toBe(true);
  });
});
