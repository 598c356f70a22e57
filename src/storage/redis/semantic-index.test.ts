import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, REDIS_URL, redisWhere, uniqueRedisPrefix } from '../../../test/helpers/redis.js';
import { describeSemanticIndexContract } from '../contract/semantic-index.contract.js';
import type { SemanticIndex } from '../ports/semantic-index.js';
import { openRedisSemanticIndex } from './semantic-index.js';

async function dropPrefix(admin: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

describe('redis semantic index without a server', () => {
  it('rejects naming host:port, never the password', async () => {
    const idx = openRedisSemanticIndex({ url: 'redis://:s3cret-pw@127.0.0.1:1', connectTimeoutMs: 300 });
    try {
      const err = await idx.search('i', Float32Array.from([1, 0]), 0.5, 0).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/Redis at 127\.0\.0\.1:1/);
      expect((err as Error).message).not.toContain('s3cret');
      await expect(idx.add('i', Float32Array.from([1, 0]), 'k', Date.now() + 1_000)).rejects.toThrow(/127\.0\.0\.1:1/);
    } finally {
      await idx.close();
    }
  });
});

describeRedis(`redis semantic index (${redisWhere()})`, () => {
  describeSemanticIndexContract('redis', () => {
    const prefix = uniqueRedisPrefix('sem');
    return {
      open: () => openRedisSemanticIndex({ url: REDIS_URL, prefix }),
      async cleanup() {
        const admin = new Redis(REDIS_URL);
        await dropPrefix(admin, prefix);
        await admin.quit();
      },
    };
  });

  describe('sync and bounds', () => {
    const admin = new Redis(REDIS_URL, { lazyConnect: true });
    const prefix = uniqueRedisPrefix('sem');
    const opened: SemanticIndex[] = [];
    const open = (maxPerIndex?: number) => {
      const idx = openRedisSemanticIndex({ url: REDIS_URL, prefix, maxPerIndex });
      opened.push(idx);
      return idx;
    };
    const later = Date.now() + 3_600_000;
    const now = Date.now();
    const dir = (i: number) => Float32Array.from([Math.cos(i), Math.sin(i)]);
    beforeAll(() => admin.connect());
    afterAll(async () => {
      for (const idx of opened) await idx.close();
      await dropPrefix(admin, prefix);
      await admin.quit();
    });

    it('caps each list at maxPerIndex (oldest trimmed) and expires its keys with the longest-lived entry', async () => {
      const writer = open(3);
      for (let i = 0; i < 5; i++) await writer.add('capped', dir(i), `k${i}`, later + i);
      expect(await admin.llen(`${prefix}sem:capped:log`)).toBe(3);
      const reader = open(3);
      expect(await reader.search('capped', dir(0), 0.999, now)).toBeUndefined();
      expect((await reader.search('capped', dir(2), 0.999, now))?.key).toBe('k2');
      expect((await reader.search('capped', dir(4), 0.999, now))?.key).toBe('k4');
      expect(await admin.pexpiretime(`${prefix}sem:capped:log`)).toBe(later + 4);
      expect(await admin.pexpiretime(`${prefix}sem:capped:meta`)).toBe(later + 4);
    });

    it('a mirror that fell behind by more than the cap reads what is left and misses only trimmed entries', async () => {
      const writer = open(2);
      const reader = open(2);
      await writer.add('behind', dir(0), 'k0', later);
      expect((await reader.search('behind', dir(0), 0.999, now))?.key).toBe('k0');
      for (let i = 1; i <= 4; i++) await writer.add('behind', dir(i), `k${i}`, later);
      expect((await reader.search('behind', dir(3), 0.999, now))?.key).toBe('k3');
      expect((await reader.search('behind', dir(4), 0.999, now))?.key).toBe('k4');
      expect(await reader.search('behind', dir(1), 0.999, now)).toBeUndefined();
    });

    it('when the index starts afresh (its keys expired or were deleted) a mirror drops its copy and resyncs', async () => {
      const writer = open();
      const reader = open();
      await writer.add('afresh', dir(0), 'old', later);
      await writer.add('afresh', dir(1), 'old1', later);
      expect((await reader.search('afresh', dir(0), 0.999, now))?.key).toBe('old');
      await admin.del(`${prefix}sem:afresh:log`, `${prefix}sem:afresh:meta`);
      expect(await reader.search('afresh', dir(0), 0.999, now)).toBeUndefined();
      // The new generation's numbering restarts at 1 and passes the mirror's old position: still read whole.
      for (let i = 2; i <= 4; i++) await writer.add('afresh', dir(i), `new${i}`, later);
      expect((await reader.search('afresh', dir(2), 0.999, now))?.key).toBe('new2');
      expect(await reader.search('afresh', dir(1), 0.999, now)).toBeUndefined();
    });

    it('concurrent searches of one index (sharing one sync) each get their own best match', async () => {
      const writer = open();
      const reader = open();
      for (let i = 0; i < 3; i++) await writer.add('concurrent', dir(i), `k${i}`, later);
      const hits = await Promise.all([0, 1, 2, 0, 1, 2].map((i) => reader.search('concurrent', dir(i), 0.999, now)));
      expect(hits.map((h) => h?.key)).toEqual(['k0', 'k1', 'k2', 'k0', 'k1', 'k2']);
    });
  });
});
