import type { ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import type { ResourceCache } from './resource-cache.js';

export interface SnapshotSyncDeps {
  readonly store: ResourceStore;
  readonly cache: ResourceCache;
  /** Recompiles the snapshot (and identities) from the cache, given the rows that changed. */
  readonly rebuild: (changed: readonly StoredResource[]) => void;
  /** Poll interval for adapters that cannot push (SQLite), and the safety net for those that can. */
  readonly pollMs: number;
  /** Called for the first failure of a run of failures, then at most once per `errorLogEveryMs`. */
  readonly onError: (err: unknown, failures: number) => void;
  /** Called for every failure (metrics). */
  readonly onFailure?: () => void;
  /** Called once when a refresh succeeds after failures. */
  readonly onRecovered?: (failures: number) => void;
  readonly now: () => number;
  readonly errorLogEveryMs?: number;
}

/**
 * Keeps this process's cache and snapshot at the store's latest revision: polls `revision()` (cheap)
 * and, where the store pushes (Postgres NOTIFY), refreshes at once. Refreshes never overlap: a
 * request for one while another runs is folded into one more run. While the store is unreachable the
 * last snapshot keeps serving; `staleMs()` says for how long.
 */
export function createSnapshotSync(deps: SnapshotSyncDeps) {
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  // Rows applied to the cache whose compile has not succeeded yet: handed to the next rebuild again,
  // so a failed compile can never lose a change (a revocation) for good.
  let pending: StoredResource[] = [];
  let lastSuccess = deps.now();
  let failures = 0;
  let lastLogged = 0;
  const logEvery = deps.errorLogEveryMs ?? 60_000;

  async function once(): Promise<void> {
    // Always applied in full: a commit of many rows shares one revision, so it cannot be split into pages.
    const latest = await deps.store.revision();
    if (latest > deps.cache.revision()) {
      const rows = await deps.store.changesSince(deps.cache.revision(), Number.MAX_SAFE_INTEGER);
      deps.cache.apply(rows);
      deps.cache.advanceTo(latest);
      pending = pending.concat(rows);
    }
    if (pending.length > 0) {
      deps.rebuild(pending);
      pending = [];
    }
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
        lastSuccess = deps.now();
        if (failures > 0) deps.onRecovered?.(failures);
        failures = 0;
      } catch (err) {
        failures++;
        deps.onFailure?.();
        const now = deps.now();
        if (failures === 1 || now - lastLogged >= logEvery) {
          lastLogged = now;
          deps.onError(err, failures);
        }
        throw err;
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  const background = () => {
    refresh().catch(() => {});
  };

  return {
    refresh,
    /** Milliseconds since the store was last read successfully (0 right after a refresh). */
    staleMs: (): number => deps.now() - lastSuccess,
    /** Loads everything and compiles the first snapshot (also when the store is empty). */
    async start(): Promise<void> {
      await refresh();
      if (deps.cache.revision() === 0) deps.rebuild([]);
      timer = setInterval(background, deps.pollMs);
      timer.unref();
      unsubscribe = deps.store.subscribe?.(background);
    },
    /** Stops polling and waits for a refresh in progress (before the store is closed). */
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      unsubscribe?.();
      await running?.catch(() => {});
    },
  };
}
