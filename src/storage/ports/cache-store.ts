/**
 * Key-value storage of cached answers (the response cache, docs/caching.md). Adapters: memory (an LRU
 * bounded by entries and bytes, one process), SQLite (processes on one host share one file), Redis
 * (replicas). One contract suite (src/storage/contract/cache-store.contract.ts) runs against all three.
 *
 * An entry is fresh until `expiresAt` and may still be served stale (every deployment of its model is
 * down) until `staleUntil`; after that it is gone. The store returns entries until staleUntil and the
 * caller decides fresh or stale. `now` is epoch ms passed in (tests control time; adapters that can
 * use it never read clocks). Keys carry their namespace (team or shared); the store never interprets them.
 */
export interface CacheEntry {
  /** The cached answer as JSON text (the store never parses it). */
  readonly value: string;
  readonly expiresAt: number;
  readonly staleUntil: number;
}

export interface CacheStore {
  /** Which adapter (logs and messages): 'memory' | 'sqlite' | 'redis'. */
  readonly kind: string;
  /** The entry while now < staleUntil, else undefined. */
  get(key: string, now: number): Promise<CacheEntry | undefined>;
  /** Creates or replaces the entry. staleUntil ≥ expiresAt. */
  set(key: string, value: string, expiresAt: number, staleUntil: number): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
