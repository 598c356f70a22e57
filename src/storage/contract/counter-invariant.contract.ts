import { describe, expect, it } from 'vitest';
import type { CounterStore } from '../ports/counter-store.js';
import { admitReq, DAY } from './counter-harness.js';
import { type CounterLoadOptions, type CounterLoadResult, LOAD_MAX_MICROS, runCounterLoad } from './counter-load.js';

type Backends = () => Promise<{ open(owner: string): Promise<CounterStore> }>;

/** Load options for `requests` cycles against a budget that fits only a fraction of them. */
export function invariantLoad(idPrefix: string, requests: number): CounterLoadOptions {
  return {
    idPrefix,
    from: 0,
    to: requests,
    concurrency: 48,
    holdKey: 'budget:invariant',
    // Worst cases of ~1/5 of the requests; settled costs are lower, so more than that get in.
    limitMicros: Math.floor((requests * LOAD_MAX_MICROS) / 5),
    expiresAt: Date.now() + DAY,
    slotKey: 'conc:invariant',
    slotLimit: 40,
    rateKey: 'rl:invariant:rpm',
  };
}

/** Asserts issue 7's invariant on the backend after a load: nothing overspent, lost or left reserved. */
export async function expectInvariant(store: CounterStore, o: CounterLoadOptions, results: readonly CounterLoadResult[]): Promise<void> {
  const admitted = results.reduce((n, r) => n + r.admitted, 0);
  const refusedBudget = results.reduce((n, r) => n + r.refusedBudget, 0);
  const settled = results.reduce((n, r) => n + r.actualMicros, 0);
  expect(admitted + refusedBudget + results.reduce((n, r) => n + r.refusedOther, 0)).toBe(o.to - o.from);
  expect(admitted).toBeGreaterThan(0);
  expect(refusedBudget).toBeGreaterThan(0);
  const level = (await store.levels([o.holdKey])).get(o.holdKey)!;
  expect(level.committedMicros).toBeLessThanOrEqual(o.limitMicros);
  expect(level.committedMicros).toBe(settled);
  expect(level.reservedMicros).toBe(0);
  expect(await store.openReservations()).toBe(0);
  // Every concurrency slot came back: exactly slotLimit fit now.
  const slots = [{ key: o.slotKey, limit: o.slotLimit }];
  for (let i = 0; i < o.slotLimit; i++) expect(await store.admit(admitReq(`${o.idPrefix}-probe-${i}`, Date.now(), { slots }))).toMatchObject({ ok: true });
  expect(await store.admit(admitReq(`${o.idPrefix}-probe-full`, Date.now(), { slots }))).toMatchObject({ ok: false, reason: 'concurrency' });
}

export function describeCounterInvariant(backend: Backends): void {
  describe('invariant under concurrency', () => {
    it('1,000 concurrent requests from 3 stores on one backend: committed ≤ limit, = settled, nothing left reserved', async () => {
      const b = await backend();
      const stores = [await b.open('p1'), await b.open('p2'), await b.open('p3')];
      const o = invariantLoad('inv', 1_000);
      const result = await runCounterLoad(stores, o);
      await expectInvariant(stores[0]!, o, [result]);
    });
  });
}
