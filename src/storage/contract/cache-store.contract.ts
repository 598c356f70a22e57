import { afterEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../ports/cache-store.js';

/**
 * Times an hour ahead of the real clock: a store that also expires by its own clock (Redis) keeps the
 * entries, while every read passes the `now` under test.
 */
const base = () => Date.now() + 3_600_000;

/** The behaviour every CacheStore adapter must have (src/storage/ports/cache-store.ts). */
export function describeCacheStoreContract(name: string, make: () => Promise<CacheStore> | CacheStore): void {
  describe(`CacheStore contract: ${name}`, () => {
    const open: CacheStore[] = [];
    const store = async () => {
      const s = await make();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    it('returns what was set, unchanged (unicode included), and nothing for an unknown key', async () => {
      const s = await store();
      const t = base();
      const value = JSON.stringify({ completion: { content: 'héllo 🚀\nline "two"' }, costMicros: 42 });
      await s.set('team:a:m:k1', value, t + 1_000, t + 5_000);
      expect(await s.get('team:a:m:k1', t)).toEqual({ value, expiresAt: t + 1_000, staleUntil: t + 5_000 });
      expect(await s.get('team:a:m:missing', t)).toBeUndefined();
    });

    it('an overwrite replaces the value and both times', async () => {
      const s = await store();
      const t = base();
      await s.set('k', 'first', t + 1_000, t + 2_000);
      await s.set('k', 'second', t + 10_000, t + 20_000);
      expect(await s.get('k', t + 5_000)).toEqual({ value: 'second', expiresAt: t + 10_000, staleUntil: t + 20_000 });
    });

    it('returns an entry past expiresAt until staleUntil (the caller decides stale), then never again', async () => {
      const s = await store();
      const t = base();
      await s.set('k', 'v', t + 1_000, t + 3_000);
      expect((await s.get('k', t + 999))?.value).toBe('v');
      // Expired but within the stale window: still returned, with its times so the caller can tell.
      expect(await s.get('k', t + 1_000)).toEqual({ value: 'v', expiresAt: t + 1_000, staleUntil: t + 3_000 });
      expect((await s.get('k', t + 2_999))?.value).toBe('v');
      expect(await s.get('k', t + 3_000)).toBeUndefined();
      // Gone for good: an earlier `now` does not bring it back in stores that drop it on read.
      expect(await s.get('k', t + 10_000)).toBeUndefined();
    });

    it('an entry without a stale window is gone at expiresAt', async () => {
      const s = await store();
      const t = base();
      await s.set('k', 'v', t + 1_000, t + 1_000);
      expect((await s.get('k', t + 999))?.value).toBe('v');
      expect(await s.get('k', t + 1_000)).toBeUndefined();
    });

    it('delete removes an entry; deleting a missing key is fine', async () => {
      const s = await store();
      const t = base();
      await s.set('k', 'v', t + 1_000, t + 1_000);
      await s.delete('k');
      await s.delete('never-set');
      expect(await s.get('k', t)).toBeUndefined();
    });

    it('keeps a large value (1 MB) intact', async () => {
      const s = await store();
      const t = base();
      const large = 'x'.repeat(512 * 1024) + 'é'.repeat(256 * 1024) + 'end';
      await s.set('big', large, t + 1_000, t + 1_000);
      const got = await s.get('big', t);
      expect(got?.value.length).toBe(large.length);
      expect(got?.value === large).toBe(true);
    });

    it('keys of two namespaces never collide, even for the same model and hash', async () => {
      const s = await store();
      const t = base();
      await s.set('team:a:m:abc', 'answer for team a', t + 1_000, t + 1_000);
      await s.set('team:b:m:abc', 'answer for team b', t + 1_000, t + 1_000);
      await s.set('shared:m:abc', 'shared answer', t + 1_000, t + 1_000);
      expect((await s.get('team:a:m:abc', t))?.value).toBe('answer for team a');
      expect((await s.get('team:b:m:abc', t))?.value).toBe('answer for team b');
      expect((await s.get('shared:m:abc', t))?.value).toBe('shared answer');
      await s.delete('team:a:m:abc');
      expect((await s.get('team:b:m:abc', t))?.value).toBe('answer for team b');
    });
  });
}
