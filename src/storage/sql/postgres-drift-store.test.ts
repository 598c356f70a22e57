import { afterAll, expect, it } from 'vitest';
import { describePostgres, POSTGRES_URL } from '../../../test/helpers/postgres.js';
import { createTestSchemas } from '../../../test/helpers/postgres-schemas.js';
import { describeDriftStoreContract, observation } from '../contract/drift-store.contract.js';
import type { DriftStore } from '../ports/drift-store.js';
import { openPostgresLedgerStore } from './postgres-ledger-store.js';

const schemas = createTestSchemas('gantry_drift');
/** The drift store of a ledger store (a replica: a pool of its own), closed with it. */
const open = async (schema = schemas.fresh()): Promise<DriftStore> => schemas.track(await openPostgresLedgerStore({ url: POSTGRES_URL, schema })).drift;

describePostgres('postgres drift store', () => {
  afterAll(() => schemas.cleanup());

  describeDriftStoreContract('postgres', () => open());

  it('replicas writing the same keys at once add up (no lost update, no deadlock), next to the ledger', async () => {
    const schema = schemas.fresh();
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
