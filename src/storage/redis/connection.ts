import { Redis } from 'ioredis';

/** What a store says about a connection it cannot use. */
export interface RedisConnectionState {
  readonly closed: boolean;
  readonly lastError: string | undefined;
  readonly status: string;
}

export interface RedisConnectionOptions {
  /** redis:// or rediss:// URL (may carry a password; it never appears in messages). */
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly maxReconnectDelayMs: number;
  /** Connect on first use instead of at once. */
  readonly lazyConnect?: boolean;
  /** The store's own error while Redis cannot be reached (or after close). */
  readonly unreachable: (where: string, state: RedisConnectionState) => Error;
  /** The store's own error when a connection attempt outlasts connectTimeoutMs (default: unreachable). */
  readonly timedOut?: (where: string) => Error;
  /** Maps an error thrown inside `call` (default: rethrown as it is). */
  readonly failure?: (err: unknown, where: string) => unknown;
}

export interface RedisConnection {
  readonly client: Redis;
  /** host:port, never credentials. */
  readonly where: string;
  unreachable(): Error;
  /** Resolves when connected; waits (bounded) only while a connection attempt is under way. */
  whenReady(): Promise<void>;
  /** Runs `op` once connected, errors mapped by `failure`. */
  call<T>(op: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** host:port of a Redis URL, never its credentials. */
export function redisHostPort(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

/**
 * One Redis connection as the stores use it: fails fast while Redis is unreachable (no offline queue,
 * bounded connect and command timeouts) and reconnects on its own.
 */
export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const where = redisHostPort(options.url);
  const { connectTimeoutMs } = options;
  const failure = options.failure ?? ((err: unknown) => err);
  let lastError: string | undefined;
  let closed = false;
  let pendingReady: Promise<void> | undefined;

  const client = new Redis(options.url, {
    lazyConnect: options.lazyConnect ?? false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(times * 100, options.maxReconnectDelayMs),
  });
  // An 'error' event without a listener would crash the process; remember it for the next message.
  client.on('error', (err: Error) => {
    lastError = err.message;
  });
  client.on('ready', () => {
    lastError = undefined;
  });

  const unreachable = () => options.unreachable(where, { closed, lastError, status: client.status });
  const timedOut = () => (options.timedOut ? options.timedOut(where) : unreachable());

  function whenReady(): Promise<void> {
    if (client.status === 'ready') return Promise.resolve();
    if (client.status === 'wait' && !closed) client.connect().catch(() => {}); // failures arrive as 'error' events
    const status = client.status;
    if (closed || (status !== 'wait' && status !== 'connecting' && status !== 'connect')) return Promise.reject(unreachable());
    // One wait shared by every caller (no listener per concurrent request).
    pendingReady ??= new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('close', onClose);
        client.off('end', onClose);
        pendingReady = undefined;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onClose = () => done(unreachable());
      const timer = setTimeout(() => done(timedOut()), connectTimeoutMs);
      timer.unref();
      client.once('ready', onReady);
      client.once('close', onClose);
      client.once('end', onClose);
    });
    return pendingReady;
  }

  return {
    client,
    where,
    unreachable,
    whenReady,
    async call(op) {
      if (client.status !== 'ready') await whenReady();
      try {
        return await op();
      } catch (err) {
        throw failure(err, where);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
