import { describe, expect, it } from 'vitest';
import { storedResponse } from '../../../storage/contract/response-store.contract.js';
import { createMemoryResponseStore } from '../../../storage/memory/response-store.js';
import type { ResponseStore } from '../../../storage/ports/response-store.js';
import { createRecentResponses } from './recent-responses.js';

/** A memory store that counts calls and can be told to fail writes. */
function spyStore(failPut = false) {
  const inner = createMemoryResponseStore();
  const calls = { put: 0, get: 0, purge: 0 };
  const store: ResponseStore = {
    put: async (r) => {
      calls.put++;
      if (failPut) throw new Error('disk full');
      return inner.put(r);
    },
    get: async (...a) => {
      calls.get++;
      return inner.get(...a);
    },
    delete: (...a) => inner.delete(...a),
    purgeExpired: async (now) => {
      calls.purge++;
      return inner.purgeExpired(now);
    },
  };
  return { store, calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('recent responses (LRU + deferred writes)', () => {
  it('writes to the store only after the current turn, and serves recent ones from memory', async () => {
    const { store, calls } = spyStore();
    const recent = createRecentResponses({ store, clock: { now: () => 5_000 }, onError: () => {} });
    recent.save(storedResponse());
    expect(calls.put).toBe(0);
    expect((await recent.get('resp_1', 'team-a'))?.id).toBe('resp_1');
    expect(await recent.get('resp_1', 'team-b')).toBeUndefined();
    expect(calls.get).toBe(0);
    await tick();
    expect(calls.put).toBe(1);
  });

  it('falls back to the store beyond its capacity and reports failed writes', async () => {
    const errors: string[] = [];
    const { store, calls } = spyStore(true);
    const recent = createRecentResponses({ store, clock: { now: () => 5_000 }, capacity: 1, onError: (_e, what) => errors.push(what) });
    recent.save(storedResponse());
    recent.save(storedResponse({ id: 'resp_2' }));
    expect(await recent.get('resp_1', 'team-a')).toBeUndefined();
    expect(calls.get).toBe(1);
    await tick();
    await tick();
    expect(errors).toEqual(['storing a response', 'storing a response']);
  });

  it('purges expired records at most once per interval, piggybacking on writes', async () => {
    let now = 0;
    const { store, calls } = spyStore();
    const recent = createRecentResponses({ store, clock: { now: () => now }, purgeEveryMs: 1_000, onError: () => {} });
    recent.save(storedResponse());
    await tick();
    expect(calls.purge).toBe(0);
    now = 1_000;
    recent.save(storedResponse({ id: 'resp_2', expiresAt: 50_000 }));
    recent.save(storedResponse({ id: 'resp_3', expiresAt: 50_000 }));
    await tick();
    expect(calls.purge).toBe(1);
    now = 20_000;
    expect(await recent.get('resp_1', 'team-a')).toBeUndefined();
  });
});
