import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCacheStoreContract } from '../contract/cache-store.contract.js';
import { openSqliteCacheStore } from './cache-store.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeCacheStoreContract('sqlite', () => openSqliteCacheStore(join(dir, `contract-${n++}.db`)));

describe('sqlite cache store', () => {
  it('two processes (two connections) on one file see each other’s entries', async () => {
    const path = join(dir, 'shared.db');
    const a = openSqliteCacheStore(path);
    const b = openSqliteCacheStore(path);
    try {
      await a.set('k', 'from a', 2_000, 3_000);
      expect((await b.get('k', 1_000))?.value).toBe('from a');
      await b.delete('k');
      expect(await a.get('k', 1_000)).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('purges rows past staleUntil every N writes, at most the limit per purge', async () => {
    const path = join(dir, 'purge.db');
    let now = 1_000;
    const s = openSqliteCacheStore(path, { purgeEvery: 5, purgeLimit: 3, now: () => now });
    const rows = () => {
      const db = new BetterSqlite3(path, { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM cache_entries').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    try {
      for (let i = 0; i < 4; i++) await s.set(`old${i}`, 'v', 1_500, 2_000);
      expect(rows()).toBe(4);
      now = 5_000; // every old row is past staleUntil
      await s.set('new0', 'v', 9_000, 9_000); // 5th write: purge of at most 3
      expect(rows()).toBe(2);
      for (let i = 1; i < 6; i++) await s.set(`new${i}`, 'v', 9_000, 9_000); // 10th write: purges the last old one
      expect(rows()).toBe(6);
      expect((await s.get('new0', now))?.value).toBe('v');
    } finally {
      await s.close();
    }
  });
});
