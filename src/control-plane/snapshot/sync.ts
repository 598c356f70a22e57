import type { ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import type { ResourceCache } from './resource-cache.js';

export interface SnapshotSyncDeps {
  readonly store: ResourceStore;
  readonly cache: ResourceCache;
  /** Recompiles the snapshot (and identities) from the cache, given the rows that changed. */
  readonly rebuild: (changed: readonly StoredResource[]) => void;
  /** Poll interval for adapters that cannot push (SQLite), and the safety net for those that can. */
  readonly pollMs: number;
  readonly onError: (err: unknown) => void;
}

/**
 * Keeps this process's cache and snapshot at the store's latest revision: polls `revision()` (cheap)
 * and, where the store pushes (Postgres NOTIFY), refreshes at once. Refreshes never overlap: a
 * request for one while another runs is folded into one more run.
 */
export function createSnapshotSync(deps: SnapshotSyncDeps) {
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  async function once(): Promise<void> {
    // Always applied in full: a commit of many rows shares one revision, so it cannot be split into pages.
    const latest = await deps.store.revision();
    if (latest <= deps.cache.revision()) return;
    const rows = await deps.store.changesSince(deps.cache.revision(), Number.MAX_SAFE_INTEGER);
    deps.cache.apply(rows);
    deps.cache.advanceTo(latest);
    deps.rebuild(rows);
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await once();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  return {
    refresh,
    /** Loads everything and compiles the first snapshot (also when the store is empty). */
    async start(): Promise<void> {
      await refresh();
      if (deps.cache.revision() === 0) deps.rebuild([]);
      timer = setInterval(() => refresh().catch(deps.onError), deps.pollMs);
      timer.unref();
      unsubscribe = deps.store.subscribe?.(() => {
        refresh().catch(deps.onError);
      });
    },
    stop(): void {
      if (timer) clearInterval(timer);
      unsubscribe?.();
    },
  };
}
