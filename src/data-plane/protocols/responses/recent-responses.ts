import type { Clock } from '../../../kernel/clock.js';
import type { ResponseStore, StoredResponse } from '../../../storage/ports/response-store.js';

export interface RecentResponsesDeps {
  readonly store: ResponseStore;
  readonly clock: Pick<Clock, 'now'>;
  /** How many recent responses to keep in memory (most continuations follow within seconds). */
  readonly capacity?: number;
  /** Expired records are purged from the store at most this often, piggybacking on writes. */
  readonly purgeEveryMs?: number;
  readonly onError: (err: unknown, what: string) => void;
}

export type RecentResponses = ReturnType<typeof createRecentResponses>;

/**
 * The data plane's view of stored responses: a small LRU in front of the ResponseStore port, and
 * writes deferred until after the answer went out, so storing never delays the client. A
 * previous_response_id right after its response is served from memory; otherwise one store read.
 * (Across replicas a DELETE reaches the store at once; another replica's LRU may still hold the
 * response for as long as it stays among its recent ones.)
 */
export function createRecentResponses({ store, clock, capacity = 256, purgeEveryMs = 3_600_000, onError }: RecentResponsesDeps) {
  const lru = new Map<string, StoredResponse>();
  let lastPurge = clock.now();

  function remember(record: StoredResponse): void {
    lru.delete(record.id);
    lru.set(record.id, record);
    if (lru.size > capacity) lru.delete(lru.keys().next().value as string);
  }

  return {
    /** Keeps the record: in memory now, in the store on the next turn of the event loop. */
    save(record: StoredResponse): void {
      remember(record);
      setImmediate(() => {
        store.put(record).catch((err: unknown) => onError(err, 'storing a response'));
        const now = clock.now();
        if (now - lastPurge >= purgeEveryMs) {
          lastPurge = now;
          store.purgeExpired(now).catch((err: unknown) => onError(err, 'purging expired responses'));
        }
      });
    },
    async get(id: string, team: string): Promise<StoredResponse | undefined> {
      const now = clock.now();
      const hit = lru.get(id);
      if (hit) {
        if (hit.expiresAt <= now) lru.delete(id);
        else return hit.team === team ? hit : undefined;
      }
      const record = await store.get(id, team, now);
      if (record) remember(record);
      return record;
    },
    async delete(id: string, team: string): Promise<boolean> {
      const hit = lru.get(id);
      if (hit?.team === team) lru.delete(id);
      // A deferred write of the same record may still be queued: let it land, then delete.
      await new Promise<void>((r) => setImmediate(r));
      return store.delete(id, team);
    },
  };
}
