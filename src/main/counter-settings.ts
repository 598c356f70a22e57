import { int } from './settings.js';

/** Where budgets and rate limits are counted (docs/counters.md). */
export interface CounterSettings {
  /** memory: this process only; sqlite: processes sharing the data directory; redis: replicas. */
  readonly kind: 'memory' | 'sqlite' | 'redis';
  readonly redisUrl: string | undefined;
  /** Key prefix in Redis (several installations can share one Redis). */
  readonly redisPrefix: string;
  /** A process that has not renewed its liveness for this long is dead: its reservations are reclaimed. */
  readonly livenessTtlMs: number;
}


/**
 * Default: Redis when GANTRY_REDIS_URL is set (replicas); the data directory's SQLite file for
 * `--workers` (processes on one host); in memory for a single process (the fastest: a few µs per
 * request; a second process on the same data directory is refused, see counters.ts).
 */
export function readCounterSettings(env: NodeJS.ProcessEnv, opts: { readonly clustered: boolean }): CounterSettings {
  const redisUrl = env.GANTRY_REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new Error('GANTRY_REDIS_URL must be a redis:// or rediss:// URL');
  const raw = env.GANTRY_COUNTERS || (redisUrl ? 'redis' : opts.clustered ? 'sqlite' : 'memory');
  if (raw !== 'memory' && raw !== 'sqlite' && raw !== 'redis') throw new Error(`GANTRY_COUNTERS must be memory, sqlite or redis; got "${raw}"`);
  if (raw === 'redis' && !redisUrl) throw new Error('GANTRY_COUNTERS=redis needs GANTRY_REDIS_URL (e.g. redis://127.0.0.1:6379)');
  const prefix = env.GANTRY_REDIS_PREFIX || 'gantry:';
  if (!/^[\w:.-]{1,64}$/.test(prefix)) throw new Error(`GANTRY_REDIS_PREFIX must be 1-64 characters of letters, digits and _ : . -; got "${prefix}"`);
  return { kind: raw, redisUrl, redisPrefix: prefix, livenessTtlMs: int(env, 'GANTRY_COUNTER_LIVENESS_TTL_MS', 15_000, 1_000, 3_600_000) };
}
