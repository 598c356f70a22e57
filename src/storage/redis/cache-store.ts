import type { CacheStore } from '../ports/cache-store.js';
import { openRedisConnection } from './connection.js';

export interface RedisCacheStoreOptions {
  /** redis:// or rediss:// URL (may carry a password; it never appears in messages). */
  readonly url: string;
  /** Every key starts with it, then `cache:` (several installations can share one Redis). Default `gantry:`. */
  readonly prefix?: string;
  /** Bound on establishing a connection (default 1000 ms). */
  readonly connectTimeoutMs?: number;
  /** Bound on one call (default 500 ms): a slow Redis turns into a cache miss, not a slow request. */
  readonly commandTimeoutMs?: number;
  /** Longest pause between reconnect attempts (default 2000 ms); reconnecting never stops. */
  readonly maxReconnectDelayMs?: number;
}

/**
 * Cached answers shared by replicas: one string per entry, `<expiresAt> <staleUntil>\n<value>`, that
 * Redis itself drops at staleUntil (SET … PXAT), so nothing needs purging. Fails fast while Redis is
 * unreachable (no offline queue, bounded timeouts) and reconnects on its own; the response cache turns
 * a failure into a miss.
 */
export function openRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const prefix = `${options.prefix ?? 'gantry:'}cache:`;
  const { client, call, close } = openRedisConnection({
    url: options.url,
    connectTimeoutMs: options.connectTimeoutMs ?? 1_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 500,
    maxReconnectDelayMs: options.maxReconnectDelayMs ?? 2_000,
    unreachable: (where, { closed, lastError, status }) =>
      new Error(`Redis at ${where} is unreachable for the response cache (${closed ? 'the cache store was closed' : (lastError ?? `status ${status}`)}).`),
    failure: (err, where) => {
      const message = err instanceof Error ? err.message : String(err);
      return new Error(`Redis at ${where} failed a response cache call: ${message}`);
    },
  });

  return {
    kind: 'redis',
    async get(key, now) {
      const raw = await call(() => client.get(prefix + key));
      if (raw === null) return undefined;
      const space = raw.indexOf(' ');
      const newline = raw.indexOf('\n', space + 1);
      if (space < 0 || newline < 0) return undefined;
      const expiresAt = Number(raw.slice(0, space));
      const staleUntil = Number(raw.slice(space + 1, newline));
      // Redis expires by its own clock; `now` is the caller's (and what the contract is tested with).
      if (!(now < staleUntil)) return undefined;
      return { value: raw.slice(newline + 1), expiresAt, staleUntil };
    },
    async set(key, value, expiresAt, staleUntil) {
      await call(() => client.set(prefix + key, `${expiresAt} ${staleUntil}\n${value}`, 'PXAT', staleUntil));
    },
    async delete(key) {
      await call(() => client.del(prefix + key));
    },
    close,
  };
}
