import { int } from './settings.js';

/** Where cached answers are kept (docs/caching.md). */
export interface CacheSettings {
  /** memory: this process only; sqlite: processes sharing the data directory; redis: replicas. */
  readonly kind: 'memory' | 'sqlite' | 'redis';
  readonly redisUrl: string | undefined;
  /** Key prefix in Redis (the counters' GANTRY_REDIS_PREFIX; cache keys add `cache:`). */
  readonly redisPrefix: string;
  /** Bounds of the in-memory LRU. */
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * Default like the counters: Redis when GANTRY_REDIS_URL is set (replicas share answers), the data
 * directory's `cache.db` for `--workers` (processes on one host), else an in-memory LRU.
 */
export function readCacheSettings(env: NodeJS.ProcessEnv, opts: { readonly clustered: boolean }): CacheSettings {
  const redisUrl = env.GANTRY_REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new Error('GANTRY_REDIS_URL must be a redis:// or rediss:// URL');
  const raw = env.GANTRY_CACHE || (redisUrl ? 'redis' : opts.clustered ? 'sqlite' : 'memory');
  if (raw !== 'memory' && raw !== 'sqlite' && raw !== 'redis') throw new Error(`GANTRY_CACHE must be memory, sqlite or redis; got "${raw}"`);
  if (raw === 'redis' && !redisUrl) throw new Error('GANTRY_CACHE=redis needs GANTRY_REDIS_URL (e.g. redis://127.0.0.1:6379)');
  const prefix = env.GANTRY_REDIS_PREFIX || 'gantry:';
  if (!/^[\w:.-]{1,64}$/.test(prefix)) throw new Error(`GANTRY_REDIS_PREFIX must be 1-64 characters of letters, digits and _ : . -; got "${prefix}"`);
  return {
    kind: raw,
    redisUrl,
    redisPrefix: prefix,
    maxEntries: int(env, 'GANTRY_CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000),
    maxBytes: int(env, 'GANTRY_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
  };
}
