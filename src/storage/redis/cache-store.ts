import { Redis } from 'ioredis';
import type { CacheStore } from '../ports/cache-store.js';

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

/** host:port of a Redis URL, never its credentials. */
function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * Cached answers shared by replicas: one string per entry, `<expiresAt> <staleUntil>\n<value>`, that
 * Redis itself drops at staleUntil (SET … PXAT), so nothing needs purging. Fails fast while Redis is
 * unreachable (no offline queue, bounded timeouts) and reconnects on its own; the response cache turns
 * a failure into a miss.
 */
export function openRedisCacheStore(options: RedisCacheStoreOptions): CacheStore {
  const prefix = `${options.prefix ?? 'gantry:'}cache:`;
  const where = hostPort(options.url);
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const maxDelay = options.maxReconnectDelayMs ?? 2_000;
  let lastError: string | undefined;
  let closed = false;
  let pendingReady: Promise<void> | undefined;

  const client = new Redis(options.url, {
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? 500,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(times * 100, maxDelay),
  });
  // An 'error' event without a listener would crash the process; remember it for the next message.
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = undefined;
  });

  const unreachable = () =>
    new Error(`Redis at ${where} is unreachable for the response cache (${closed ? 'the cache store was closed' : (lastError ?? `status ${client.status}`)}).`);

  /** Waits (bounded) only while a connection attempt is under way; otherwise fails at once. */
  function whenReady(): Promise<void> {
    const status = client.status;
    if (status === 'ready') return Promise.resolve();
    if (closed || (status !== 'wait' && status !== 'connecting' && status !== 'connect')) return Promise.reject(unreachable());
    pendingReady ??= new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        pendingReady = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(unreachable());
      const timer = setTimeout(() => done(unreachable()), connectTimeoutMs);
      client.once('ready', onReady);
      client.once('close', onClose);
    });
    return pendingReady;
  }

  async function call<T>(op: () => Promise<T>): Promise<T> {
    if (client.status !== 'ready') await whenReady();
    try {
      return await op();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`Redis at ${where} failed a response cache call: ${message}`);
    }
  }

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
    async close() {
      if (closed) return;
      closed = true;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
