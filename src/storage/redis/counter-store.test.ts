import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRedis, REDIS_URL, redisWhere, uniqueRedisPrefix } from '../../../test/helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../../../test/helpers/tcp-proxy.js';
import { describeCounterStoreContract } from '../contract/counter-store.contract.js';
import { type CounterStore, CounterStoreUnavailableError } from '../ports/counter-store.js';
import { openRedisCounterStore } from './counter-store.js';

const admit = (id: string, now: number, maxMicros = 100) => ({
  id,
  now,
  rates: [],
  slots: [],
  holds: [{ key: 'budget:b', limitMicros: 1_000, expiresAt: now + 3_600_000 }],
  minMicros: 1,
  maxMicros,
});

describe('redis counter store without a server', () => {
  it('rejects quickly with CounterStoreUnavailableError naming host:port, never the password', async () => {
    const store = openRedisCounterStore({ url: 'redis://:s3cret-pw@127.0.0.1:1', owner: 'a', connectTimeoutMs: 500 });
    try {
      const started = Date.now();
      const err = await store.admit(admit('r', Date.now())).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CounterStoreUnavailableError);
      expect((err as Error).message).toMatch(/^Redis at 127\.0\.0\.1:1 is unreachable/);
      expect((err as Error).message).not.toContain('s3cret');
      // Later calls fail at once while it stays down (no queue, no waiting).
      const again = Date.now();
      await expect(store.levels(['k'])).rejects.toBeInstanceOf(CounterStoreUnavailableError);
      await expect(store.heartbeat(Date.now(), 1_000)).rejects.toBeInstanceOf(CounterStoreUnavailableError);
      expect(Date.now() - again).toBeLessThan(1_000);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await store.close();
    }
  });
});

describeRedis(`redis counter store (${redisWhere()})`, () => {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const prefixes: string[] = [];
  beforeAll(async () => {
    await admin.connect();
  });
  afterAll(async () => {
    for (const p of prefixes) await dropPrefix(p);
    await admin.quit();
  });
  async function dropPrefix(prefix: string): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  const fresh = (label: string) => {
    const prefix = uniqueRedisPrefix(label);
    prefixes.push(prefix);
    return prefix;
  };

  describeCounterStoreContract('redis', () => {
    const prefix = fresh('contract');
    return { open: (owner) => openRedisCounterStore({ url: REDIS_URL, owner, prefix }), dispose: () => dropPrefix(prefix) };
  });

  describe('adapter', () => {
    let proxy: TcpProxy | undefined;
    const stores: CounterStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
      await proxy?.close();
    });
    const open = (over: Partial<Parameters<typeof openRedisCounterStore>[0]> = {}) => {
      const s = openRedisCounterStore({ url: REDIS_URL, owner: 'a', prefix: fresh('adapter'), ...over });
      stores.push(s);
      return s;
    };

    it('keeps every key under its prefix, with expiries: budget at expiresAt, completed ids 10 min', async () => {
      const prefix = fresh('keys');
      const store = open({ prefix });
      const now = Date.now();
      await store.admit({ ...admit('r1', now), rates: [{ key: 'rpm', limit: 5, windowMs: 60_000, amount: 1 }], slots: [{ key: 'c', limit: 2 }] });
      await store.complete({ id: 'r1', now, actualMicros: 10, holds: admit('r1', now).holds, grantedMicros: 100, slots: ['c'], rateAdds: [] });
      const keys = (await admin.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
      expect(keys).toEqual(['b:budget:b', 'done:r1', 'owners', `r:60000:rpm:${Math.floor(now / 60_000)}`]);
      const budgetTtl = await admin.pttl(`${prefix}b:budget:b`);
      expect(budgetTtl).toBeGreaterThan(3_500_000);
      expect(budgetTtl).toBeLessThanOrEqual(3_600_000);
      expect(await admin.pttl(`${prefix}done:r1`)).toBeGreaterThan(590_000);
      expect(await admin.pttl(`${prefix}r:60000:rpm:${Math.floor(now / 60_000)}`)).toBeGreaterThan(60_000);
      // A counter whose expiry has passed is gone from Redis.
      await store.seed('budget:past', 5, Date.now() - 1);
      expect(await admin.exists(`${prefix}b:budget:past`)).toBe(0);
    });

    it('counts large amounts exactly (no float formatting in Lua)', async () => {
      const store = open();
      const now = Date.now();
      const big = 9_007_199_254_000; // ~$9M in micro-USD
      const holds = [{ key: 'budget:big', limitMicros: big * 2, expiresAt: now + 3_600_000 }];
      expect(await store.admit({ id: 'big', now, rates: [], slots: [], holds, minMicros: 1, maxMicros: big })).toMatchObject({ grantedMicros: big });
      const levels = await store.complete({ id: 'big', now, actualMicros: big - 1, holds, grantedMicros: big, slots: [], rateAdds: [] });
      expect(levels.get('budget:big')).toEqual({ committedMicros: big - 1, reservedMicros: 0 });
    });

    it('reconnects on its own after Redis was unreachable', async () => {
      proxy = await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
      const store = open({ url: `redis://127.0.0.1:${proxy.port}`, maxReconnectDelayMs: 100, connectTimeoutMs: 300 });
      expect(await store.admit(admit('before', Date.now()))).toMatchObject({ ok: true });
      await proxy.down();
      await expect(store.admit(admit('during', Date.now()))).rejects.toThrow(new RegExp(`Redis at 127\\.0\\.0\\.1:${proxy.port} is unreachable`));
      await proxy.up();
      await expect.poll(() => store.levels(['budget:b']).then(() => true, () => false), { timeout: 5_000, interval: 50 }).toBe(true);
      expect((await store.levels(['budget:b'])).get('budget:b')).toEqual({ committedMicros: 0, reservedMicros: 100 });
    });

    it('an admit whose reply was lost is released at the next heartbeat', async () => {
      proxy ??= await startTcpProxy('127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
      const store = open({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 200 });
      await store.heartbeat(Date.now(), 60_000);
      proxy.holdReplies();
      const err = await store.admit(admit('lost', Date.now(), 300)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CounterStoreUnavailableError);
      expect((err as Error).message).toMatch(/did not answer within 200 ms/);
      proxy.releaseReplies();
      // The script did run: 300 is reserved until the heartbeat gives it back.
      expect((await store.levels(['budget:b'])).get('budget:b')).toEqual({ committedMicros: 0, reservedMicros: 300 });
      await store.heartbeat(Date.now(), 60_000);
      expect((await store.levels(['budget:b'])).get('budget:b')).toEqual({ committedMicros: 0, reservedMicros: 0 });
      expect(await store.openReservations()).toBe(0);
    });
  });
});
