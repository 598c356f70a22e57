import type { SemanticIndex } from '../storage/ports/semantic-index.js';
import type { CacheSettings } from './cache-settings.js';
import { int } from './settings.js';

/**
 * The semantic cache's vectors live where its answers are shared: in Redis when the cache store is
 * Redis (replicas find each other's prompts), else in this process (with `--workers` each worker has
 * its own vectors over the shared SQLite answers). Only the adapter in use is loaded.
 * GANTRY_SEMANTIC_MAX_PER_INDEX bounds the vectors per (namespace, model, context);
 * GANTRY_SEMANTIC_MAX_BYTES the vector memory of this process.
 */
export async function openSemanticIndex(cache: CacheSettings, env: NodeJS.ProcessEnv): Promise<SemanticIndex> {
  const bounds = {
    maxPerIndex: int(env, 'GANTRY_SEMANTIC_MAX_PER_INDEX', 5_000, 1, 1_000_000),
    maxBytes: int(env, 'GANTRY_SEMANTIC_MAX_BYTES', 64 * 1024 * 1024, 1024, 64 * 1024 * 1024 * 1024),
  };
  if (cache.kind === 'redis') {
    const { openRedisSemanticIndex } = await import('../storage/redis/semantic-index.js');
    return openRedisSemanticIndex({ url: cache.redisUrl as string, prefix: cache.redisPrefix, ...bounds });
  }
  const { createMemorySemanticIndex } = await import('../storage/memory/semantic-index.js');
  return createMemorySemanticIndex(bounds);
}
