import { describe, expect, it } from 'vitest';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import type { ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import { createResourceCache } from './resource-cache.js';
import { createSnapshotSync } from './sync.js';

const put = (name: string) => ({ op: 'put' as const, kind: 'Team', name, team: name, labels: {}, spec: {}, status: undefined, secret: undefined, expectedGeneration: 0, actor: 't' });

function setup(store: ResourceStore, rebuild: (rows: readonly StoredResource[]) => void) {
  let now = 1_000;
  const errors: number[] = [];
  const recovered: number[] = [];
  const sync = createSnapshotSync({
    store,
    cache: createResourceCache(),
    rebuild,
    pollMs: 60_000,
    now: () => now,
    onError: (_err, failures) => errors.push(failures),
    onRecovered: (failures) => recovered.push(failures),
    errorLogEveryMs: 60_000,
  });
  return { sync, errors, recovered, tick: (ms: number) => (now += ms) };
}

describe('snapshot sync', () => {
  it('hands rows whose compile failed to the next rebuild again (a change is never lost)', async () => {
    const store = createMemoryResourceStore();
    const seen: string[][] = [];
    let fail = false;
    const { sync } = setup(store, (rows) => {
      if (fail) throw new Error('compile failed');
      seen.push(rows.map((r) => r.name));
    });
    await sync.start();
    await store.commit([put('a')], []);
    fail = true;
    await expect(sync.refresh()).rejects.toThrow('compile failed');
    fail = false;
    await store.commit([put('b')], []);
    await sync.refresh();
    expect(seen.at(-1)).toEqual(['a', 'b']);
    await sync.stop();
  });

  it('logs the first failure and then at most once a minute, reports recovery, and measures staleness', async () => {
    const store = createMemoryResourceStore();
    let down = false;
    const flaky: ResourceStore = { ...store, revision: () => (down ? Promise.reject(new Error('ECONNREFUSED')) : store.revision()) };
    const { sync, errors, recovered, tick } = setup(flaky, () => {});
    await sync.start();
    down = true;
    for (let i = 0; i < 5; i++) {
      tick(250);
      await sync.refresh().catch(() => {});
    }
    expect(errors).toEqual([1]);
    expect(sync.staleMs()).toBe(1_250);
    tick(60_000);
    await sync.refresh().catch(() => {});
    expect(errors).toEqual([1, 6]);
    down = false;
    await sync.refresh();
    expect(recovered).toEqual([6]);
    expect(sync.staleMs()).toBe(0);
    await sync.stop();
  });
});
