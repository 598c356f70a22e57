import { describe, expect, it } from 'vitest';
import { describeCounterStoreContract } from '../contract/counter-store.contract.js';
import { createMemoryCounterState, createMemoryCounterStore } from './counter-store.js';

describeCounterStoreContract('memory', () => {
  const state = createMemoryCounterState();
  return { open: (owner) => createMemoryCounterStore({ owner, state }) };
});

describe('memory counter store', () => {
  it('forgets expired counters, windows, claims and completed ids at heartbeat (memory stays bounded)', async () => {
    const state = createMemoryCounterState();
    const store = createMemoryCounterStore({ owner: 'me', state });
    const t = 1_800_000_000_000;
    await store.seed('budget:old', 5, t + 1_000);
    await store.admit({ id: 'r', now: t, rates: [{ key: 'rpm', limit: 5, windowMs: 60_000, amount: 1 }], slots: [], holds: [], minMicros: 0, maxMicros: 0 });
    await store.complete({ id: 'r', now: t, actualMicros: 0, holds: [], grantedMicros: 0, slots: [], rateAdds: [] });
    await store.claimOnce('alert', t, 1_000);
    expect([state.budgets.size, state.rates.size, state.completed.size, state.claims.size]).toEqual([1, 1, 1, 1]);
    await store.heartbeat(t + 3_600_000, 10_000);
    expect([state.budgets.size, state.rates.size, state.completed.size, state.claims.size]).toEqual([0, 0, 0, 0]);
  });

  it('a store without a shared state has its own counters', async () => {
    const a = createMemoryCounterStore({ owner: 'a' });
    const b = createMemoryCounterStore({ owner: 'b' });
    await a.seed('k', 10, Date.now() + 60_000);
    expect((await b.levels(['k'])).get('k')).toEqual({ committedMicros: 0, reservedMicros: 0 });
  });
});
