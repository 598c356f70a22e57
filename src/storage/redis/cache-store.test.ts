import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, REDIS_URL, redisWhere, uniqueRedisPrefix } from '../../../test/helpers/redis.js';
import { describeCacheStoreContract } from '../contract/cache-store.contract.js';
import { openRedisCacheStore } from './cache-store.js';

describe('redis cache store without a server', () => {
  it('rejects with a message naming host:port, never the password', async () => {
    const store = openRedisCacheStore({ url: 'redis://:s3cret-pw@127.0.0.1:1', connectTimeoutMs: 300 });
    try {
      const err = await store.get('k', Date.now()).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^Redis at 127\.0\.0\.1:1 is unreachable for the response cache/);
      expect((err as Error).message).not.toContain('s3cret');
      await expect(store.set('k', 'v', Date.now() + 1_000, Date.now() + 1_000)).rejects.toThrow(/unreachable/);
    } finally {
      await store.close();
    }
  });
});

describeRedis(`redis cache store (${redisWhere()})`, () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const prefixes: string[] = [];
  const fresh = (label: string) => {
    const p = uniqueRedisPrefix(label);
    prefixes.push(p);
    return p;
  };
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    for (const p of prefixes) {
      const keys = await admin.keys(`${p}*`);
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin.quit();
  });

  describeCacheStoreContract('redis', () => openRedisCacheStore({ url: REDIS_URL, prefix: fresh('cache') }));

  it('keeps entries under `<prefix>cache:` and lets Redis drop them at staleUntil', async () => {
    const prefix = fresh('cache-keys');
    const store = openRedisCacheStore({ url: REDIS_URL, prefix });
    try {
      const t = Date.now();
      await store.set('team:a:m:h', 'v', t + 60_000, t + 120_000);
      expect(await admin.keys(`${prefix}*`)).toEqual([`${prefix}cache:team:a:m:h`]);
      const ttl = await admin.pttl(`${prefix}cache:team:a:m:h`);
      expect(ttl).toBeGreaterThan(100_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    } finally {
      await store.close();
    }
  });

  it('two clients with one prefix share entries; another prefix sees none of them', async () => {
    const prefix = fresh('cache-shared');
    const a = openRedisCacheStore({ url: REDIS_URL, prefix });
    const b = openRedisCacheStore({ url: REDIS_URL, prefix });
    const other = openRedisCacheStore({ url: REDIS_URL, prefix: fresh('cache-other') });
    try {
      const t = Date.now();
      await a.set('k', 'from a', t + 60_000, t + 60_000);
      expect((await b.get('k', t))?.value).toBe('from a');
      expect(await other.get('k', t)).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close(), other.close()]);
    }
  });
});
