import { describe, expect, it } from 'vitest';
import { describeCacheStoreContract } from '../contract/cache-store.contract.js';
import { createMemoryCacheStore } from './cache-store.js';

describeCacheStoreContract('memory', () => createMemoryCacheStore());

describe('memory cache store', () => {
  const T = 1_800_000_000_000;

  it('evicts the least recently used entry beyond maxEntries (a read counts as use)', async () => {
    const s = createMemoryCacheStore({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await s.set(k, k, T + 1_000, T + 1_000);
    await s.get('a', T); // a is now the most recent; b is the oldest
    await s.set('d', 'd', T + 1_000, T + 1_000);
    expect(s.size).toBe(3);
    expect(await s.get('b', T)).toBeUndefined();
    for (const k of ['a', 'c', 'd']) expect((await s.get(k, T))?.value).toBe(k);
  });

  it('evicts by total bytes, and never keeps a value larger than the bound', async () => {
    const s = createMemoryCacheStore({ maxEntries: 1_000, maxBytes: 10_000 });
    const value = 'v'.repeat(2_000); // ~4 KB each as UTF-16
    for (const k of ['a', 'b', 'c']) await s.set(k, value, T + 1_000, T + 1_000);
    expect(s.bytes).toBeLessThanOrEqual(10_000);
    expect(await s.get('a', T)).toBeUndefined();
    expect((await s.get('c', T))?.value).toBe(value);
    await s.set('huge', 'h'.repeat(6_000), T + 1_000, T + 1_000);
    expect(await s.get('huge', T)).toBeUndefined();
    expect((await s.get('c', T))?.value).toBe(value);
  });

  it('an overwrite counts its bytes once; an expired read frees them', async () => {
    const s = createMemoryCacheStore();
    await s.set('k', 'x'.repeat(100), T + 1_000, T + 2_000);
    const one = s.bytes;
    await s.set('k', 'x'.repeat(100), T + 1_000, T + 2_000);
    expect(s.bytes).toBe(one);
    expect(await s.get('k', T + 2_000)).toBeUndefined();
    expect([s.size, s.bytes]).toEqual([0, 0]);
  });
});
