import type { CacheEntry, CacheStore } from '../ports/cache-store.js';

export interface MemoryCacheStoreOptions {
  /** Most entries kept (default 10,000); the least recently used go first. */
  readonly maxEntries?: number;
  /** Most bytes kept, keys and values counted as UTF-16 (default 64 MB); a larger value is not kept. */
  readonly maxBytes?: number;
}

/** Per entry besides its strings (Map slot, object, numbers): keeps many tiny entries bounded too. */
const ENTRY_OVERHEAD = 64;
const sizeOf = (key: string, value: string): number => 2 * (key.length + value.length) + ENTRY_OVERHEAD;

interface Slot extends CacheEntry {
  readonly bytes: number;
}

/**
 * An LRU in this process: a Map in recency order (a read moves the entry to the end), trimmed from the
 * front on every write. Expired entries are dropped when read or when they reach the front; no timers.
 */
export function createMemoryCacheStore(options: MemoryCacheStoreOptions = {}): CacheStore & { readonly size: number; readonly bytes: number } {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const slots = new Map<string, Slot>();
  let bytes = 0;

  const remove = (key: string) => {
    const slot = slots.get(key);
    if (!slot) return;
    slots.delete(key);
    bytes -= slot.bytes;
  };

  return {
    kind: 'memory',
    get size() {
      return slots.size;
    },
    get bytes() {
      return bytes;
    },
    async get(key, now) {
      const slot = slots.get(key);
      if (!slot) return undefined;
      slots.delete(key);
      if (now >= slot.staleUntil) {
        bytes -= slot.bytes;
        return undefined;
      }
      slots.set(key, slot);
      return { value: slot.value, expiresAt: slot.expiresAt, staleUntil: slot.staleUntil };
    },
    async set(key, value, expiresAt, staleUntil) {
      remove(key);
      const size = sizeOf(key, value);
      if (size > maxBytes) return;
      slots.set(key, { value, expiresAt, staleUntil, bytes: size });
      bytes += size;
      while (slots.size > maxEntries || bytes > maxBytes) {
        const oldest = slots.keys().next().value as string;
        remove(oldest);
      }
    },
    async delete(key) {
      remove(key);
    },
    async close() {
      slots.clear();
      bytes = 0;
    },
  };
}
