import { describe, expect, it } from 'vitest';
import { putOf, resourceStoreContract } from '../contract/resource-store.contract.js';
import { createMemoryResourceStore } from './resource-store.js';

resourceStoreContract('memory', async () => createMemoryResourceStore());

describe('memory resource store', () => {
  it('uses the injected clock and calls subscribers asynchronously, once the commit is visible', async () => {
    const store = createMemoryResourceStore({ clock: { now: () => 42 } });
    const seen: unknown[] = [];
    store.subscribe?.(() => {
      seen.push(store.get('ApiKey', 'k1'));
    });
    const committed = store.commit([putOf('k1')], []);
    expect(seen).toEqual([]);
    expect((await committed).written[0]).toMatchObject({ createdAt: 42, updatedAt: 42 });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toHaveLength(1);
    expect(await seen[0]).toMatchObject({ name: 'k1', generation: 1 });
  });
});
