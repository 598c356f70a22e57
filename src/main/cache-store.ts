import { join } from 'node:path';
import type { CacheStore } from '../storage/ports/cache-store.js';
import type { CacheSettings } from './cache-settings.js';

/** Only the adapter in use is loaded (ioredis costs memory a single-host install never needs). */
export async function openCacheStore(settings: CacheSettings, dataDir: string): Promise<CacheStore> {
  switch (settings.kind) {
    case 'memory': {
      const { createMemoryCacheStore } = await import('../storage/memory/cache-store.js');
      return createMemoryCacheStore({ maxEntries: settings.maxEntries, maxBytes: settings.maxBytes });
    }
    case 'sqlite': {
      const { openSqliteCacheStore } = await import('../storage/sqlite/cache-store.js');
      return openSqliteCacheStore(join(dataDir, 'cache.db'));
    }
    case 'redis': {
      const { openRedisCacheStore } = await import('../storage/redis/cache-store.js');
      return openRedisCacheStore({ url: settings.redisUrl as string, prefix: settings.redisPrefix });
    }
  }
}
