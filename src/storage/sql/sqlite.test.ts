import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { auditHash } from '../../kernel/audit-hash.js';
import { draftOf, expectLinearChain, putOf, resourceStoreContract } from '../contract/resource-store.contract.js';
import { listQuery } from './list-query.js';
import type { Db } from './schema.js';
import { openSqliteResourceStore } from './sqlite.js';

const freshPath = () => join(mkdtempSync(join(tmpdir(), 'gantry-resources-')), 'gantry.db');

resourceStoreContract('sqlite', () => openSqliteResourceStore(freshPath()), {
  openPair: async () => {
    const path = freshPath();
    const a = await openSqliteResourceStore(path);
    return [a, await openSqliteResourceStore(path)];
  },
});

describe('sqlite resource store', () => {
  it('keeps data across reopen and migrates once', async () => {
    const path = freshPath();
    const store = await openSqliteResourceStore(path);
    await store.commit([putOf('k1')], [draftOf()]);
    await store.close();
    const again = await openSqliteResourceStore(path);
    expect(await again.get('ApiKey', 'k1')).toMatchObject({ generation: 1 });
    expect(await again.revision()).toBe(1);
    expect(again.subscribe).toBeUndefined();
    await again.close();
    const raw = new BetterSqlite3(path, { readonly: true });
    expect(raw.prepare('SELECT name FROM gantry_resource_migration').pluck().all()).toEqual(['0001_resources']);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('returns audit rows as stored, so an edit made behind its back is visible to a verifier', async () => {
    const path = freshPath();
    const store = await openSqliteResourceStore(path);
    await store.commit([putOf('k1')], [draftOf(), draftOf({ actor: 'user:bob' }), draftOf()]);
    const raw = new BetterSqlite3(path);
    raw.prepare(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`).run();
    raw.close();
    const log = await store.listAudit(0, 10);
    expect(log[1]?.actor).toBe('mallory');
    expect(log[1]?.hash).not.toBe(auditHash(log[1]!.prevHash, log[1]!));
    expect(() => expectLinearChain(log)).toThrow();
    await store.close();
  });

  it('pages with an index, never a full scan', async () => {
    const path = freshPath();
    await (await openSqliteResourceStore(path)).close();
    const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    const plan = async (q: ReturnType<typeof listQuery>) => {
      const c = q.compile();
      const { rows } = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${c.sql}`, [...c.parameters]));
      return rows.map((r) => r.detail).join('\n');
    };
    const queries = [
      listQuery(db, 'sqlite', 'ApiKey', { limit: 50 }),
      listQuery(db, 'sqlite', 'ApiKey', { limit: 50, after: 'k' }),
      listQuery(db, 'sqlite', 'ApiKey', { limit: 50, after: 'k', labels: { env: 'prod' } }),
      listQuery(db, 'sqlite', 'ApiKey', { limit: 50, teams: ['a', 'b'] }),
    ];
    for (const q of queries) {
      const detail = await plan(q);
      expect(detail).toMatch(/USING (COVERING )?INDEX (sqlite_autoindex_resources_1|resources_kind_team_name) \(kind=\?/);
    }
    await db.destroy();
  });
});

describe('sqlite resource store across processes', () => {
  it('keeps one linear audit chain when two processes commit to one file at once', async () => {
    const path = freshPath();
    const script = fileURLToPath(new URL('./fixtures/sqlite-committer.ts', import.meta.url));
    const viteNode = fileURLToPath(new URL('../../../node_modules/vite-node/vite-node.mjs', import.meta.url));
    // Opened one after the other (the first creates the file), then released together.
    const start = async (prefix: string) => {
      const child = spawn(process.execPath, [viteNode, script, path, prefix, '200'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<void>((resolve, reject) =>
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${prefix} exited ${code}:\n${output}`)))),
      );
      await Promise.race([new Promise<void>((resolve) => child.stdout.on('data', () => output.includes('ready') && resolve())), exited]);
      return { go: () => child.stdin.end('go\n'), exited };
    };
    const one = await start('one');
    const two = await start('two');
    one.go();
    two.go();
    await Promise.all([one.exited, two.exited]);
    const store = await openSqliteResourceStore(path);
    const log = await store.listAudit(0, 1000);
    expect(log).toHaveLength(400);
    expectLinearChain(log);
    expect(await store.revision()).toBe(400);
    // Interleaved, not one process after the other: the test really raced.
    const switches = log.filter((e, i) => i > 0 && e.actor !== log[i - 1]!.actor).length;
    expect(switches).toBeGreaterThan(10);
    await store.close();
  }, 90_000);
});

describe('audit seals', () => {
  it('seals every new entry with the given function and stores the seal with it', async () => {
    const path = freshPath();
    const store = await openSqliteResourceStore(path, { seal: (hash) => `sealed:${hash.slice(0, 8)}` });
    await store.commit([putOf('t1')], [draftOf(), draftOf({ name: 't1' })]);
    const entries = await store.listAudit(0, 10);
    expect(entries.map((e) => e.seal)).toEqual(entries.map((e) => `sealed:${e.hash.slice(0, 8)}`));
    await store.close();
    const plain = await openSqliteResourceStore(freshPath());
    await plain.commit([], [draftOf()]);
    expect((await plain.listAudit(0, 1))[0]?.seal).toBeUndefined();
    await plain.close();
  });
});
