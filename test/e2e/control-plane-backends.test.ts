import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditFields, auditHash } from '../../src/kernel/audit-hash.js';
import { describePostgres, POSTGRES_URL } from '../helpers/postgres.js';
import { ADMIN_TOKEN, type RunningGantry, runGantry, startGantry } from './helpers/processes.js';

/**
 * The control plane's promise on both stores, with two gateway processes sharing one database:
 * a platform admin applies a directory from the CLI; a developer of one team cannot see or change
 * another team's resources; a key revoked in one process is refused by the other within a second;
 * `gantry audit verify` passes, and fails naming the entry after a row is edited in the database.
 */
const FIXTURES = resolve(import.meta.dirname, 'fixtures/control-plane');
const SHARED_SECRET = 'e2e-shared-key-hash-secret-0123456789';

interface Backend {
  readonly name: string;
  readonly describe: (name: string, fn: () => void) => void;
  setUp(): Promise<{ env: NodeJS.ProcessEnv; sharedDataDir: boolean }>;
  /** Runs SQL against the store as an attacker with database access would (`?` placeholders). */
  sql(a: RunningGantry, text: string, params: unknown[]): Promise<void>;
  tearDown(): Promise<void>;
}

const schema = `gantry_e2e_${randomBytes(4).toString('hex')}`;
const BACKENDS: Backend[] = [
  {
    name: 'SQLite (two processes on one file)',
    describe,
    setUp: async () => ({ env: {}, sharedDataDir: true }),
    async sql(a, text, params) {
      const db = new Database(join(a.dataDir, 'gantry.db'));
      db.prepare(text).run(...params);
      db.close();
    },
    tearDown: async () => {},
  },
  {
    name: 'Postgres (two processes on one schema)',
    describe: describePostgres,
    setUp: async () => ({ env: { GANTRY_DATABASE_URL: POSTGRES_URL, GANTRY_DATABASE_SCHEMA: schema }, sharedDataDir: false }),
    async sql(_a, text, params) {
      const c = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}` });
      await c.connect();
      let i = 0;
      await c.query(text.replace(/\?/g, () => `$${++i}`), params);
      await c.end();
    },
    async tearDown() {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  },
];

async function chat(url: string, key: string): Promise<number> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
  try {
    await client.chat.completions.create({ model: 'e2e-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

/** Polls until `fn` returns `want`, returning how long it took (ms); fails after `limitMs`. */
async function until(fn: () => Promise<number>, want: number, limitMs: number): Promise<number> {
  const start = performance.now();
  for (;;) {
    if ((await fn()) === want) return performance.now() - start;
    if (performance.now() - start > limitMs) throw new Error(`did not get ${want} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const backend of BACKENDS) {
  backend.describe(`control plane on ${backend.name}`, () => {
    let a: RunningGantry;
    let b: RunningGantry;
    const cli = (server: RunningGantry, token: string, ...args: string[]) =>
      runGantry(args, { GANTRY_URL: server.url, GANTRY_TOKEN: token, XDG_CONFIG_HOME: join(a.dataDir, 'cli-config'), GANTRY_DATA_DIR: join(a.dataDir, 'none') });

    let common: NodeJS.ProcessEnv;
    let shared = false;

    beforeAll(async () => {
      const { env, sharedDataDir } = await backend.setUp();
      shared = sharedDataDir;
      // Processes sharing a data directory share their counters (in-memory counters refuse a second process).
      common = { ...env, GANTRY_KEY_HASH_SECRET: SHARED_SECRET, GANTRY_COUNTERS: 'sqlite' };
      a = await startGantry({ env: common });
      b = await startGantry({ env: common, ...(sharedDataDir ? { dataDir: a.dataDir } : {}) });
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await backend.tearDown();
    });

    it('a platform admin applies a directory from the CLI; the other process serves its key within a second', async () => {
      const applied = await cli(a, ADMIN_TOKEN, 'apply', '-f', FIXTURES);
      expect(applied.code, applied.output).toBe(0);
      const key = /apikey\/team-a-ci: (gk_\S+)/.exec(applied.output)?.[1] as string;
      expect(key).toBeDefined();
      await until(() => chat(b.url, key), 200, 1_000);
      const got = await cli(b, ADMIN_TOKEN, 'get', 'agents', '-o', 'json');
      expect(JSON.parse(got.output).items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['triage']);
    });

    it("a developer of team B cannot see or change team A's resources", async () => {
      const issued = await fetch(`${a.url}/admin/v1/users/bob/tokens`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, body: '{}' });
      const bob = ((await issued.json()) as { token: string }).token;
      // Bob's token was issued by A; B learns it from the shared store.
      await until(async () => (await fetch(`${b.url}/admin/v1/whoami`, { headers: { authorization: `Bearer ${bob}` } })).status, 200, 1_000);
      const list = await cli(b, bob, 'get', 'agents', '-o', 'json');
      expect(list.code, list.output).toBe(0);
      expect(JSON.parse(list.output).items).toEqual([]);
      const peek = await cli(b, bob, 'get', 'agent', 'triage');
      expect(peek.code).toBe(1);
      expect(peek.output).toContain('GW_FORBIDDEN');
      const teamA = await cli(b, bob, 'get', 'team', 'team-a');
      expect(teamA.output).toContain('GW_FORBIDDEN');
      const steal = await cli(b, bob, 'keys', 'create', '--team', 'team-a', '-o', 'json');
      expect(steal.code).toBe(1);
      expect(steal.output).toContain('GW_FORBIDDEN');
      const retire = await cli(b, bob, 'agents', 'retire', 'triage');
      expect(retire.code).toBe(1);
      const own = await cli(b, bob, 'keys', 'create', '--team', 'team-b', '--name', 'bob-laptop', '-o', 'json');
      expect(own.code, own.output).toBe(0);
      expect(JSON.parse(own.output)).toMatchObject({ name: 'bob-laptop', team: 'team-b', user: 'bob' });
    });

    it('a key revoked in one process is refused by the other within one second', async () => {
      const created = await cli(a, ADMIN_TOKEN, 'keys', 'create', '--team', 'team-a', '--name', 'short-lived', '-o', 'json');
      const key = JSON.parse(created.output).key as string;
      await until(() => chat(b.url, key), 200, 1_000);
      const revoked = await cli(a, ADMIN_TOKEN, 'keys', 'revoke', 'short-lived');
      expect(revoked.code, revoked.output).toBe(0);
      const took = await until(() => chat(b.url, key), 401, 1_000);
      expect(took).toBeLessThan(1_000);
      expect(await chat(a.url, key)).toBe(401);
      // Both processes serve the same store revision, visible in /metrics.
      const revision = async (g: RunningGantry) => Number(/^gantry_config_revision (\d+)/m.exec(await (await fetch(`${g.url}/metrics`)).text())?.[1]);
      const ra = await revision(a);
      expect(ra).toBeGreaterThan(0);
      await until(async () => ((await revision(b)) === ra ? 1 : 0), 1, 1_000);
    });

    it('a process with another key-hash secret refuses to join (its keys and audit seals would not match)', async () => {
      const odd = startGantry({ env: { ...common, GANTRY_KEY_HASH_SECRET: 'a-different-secret-0123456789' }, ...(shared ? { dataDir: a.dataDir } : {}) });
      await expect(odd).rejects.toThrow(/different key-hash secret/);
    });

    it('gantry audit verify passes, and catches an edited row, a rewrite with recomputed hashes, and removed newest entries', async () => {
      const ok = await cli(b, ADMIN_TOKEN, 'audit', 'verify', '-o', 'json');
      expect(ok.code, ok.output).toBe(0);
      const { head, entries } = JSON.parse(ok.output) as { head: string; entries: number };
      expect(entries).toBeGreaterThan(10);

      // Removing the newest entry leaves a consistent chain; only a head recorded elsewhere catches it.
      await backend.sql(a, 'DELETE FROM audit_log WHERE seq = ?', [entries]);
      expect((await cli(b, ADMIN_TOKEN, 'audit', 'verify')).code).toBe(0);
      const truncated = await cli(b, ADMIN_TOKEN, 'audit', 'verify', '--expect-head', head);
      expect(truncated.code).toBe(1);
      expect(truncated.output).toContain('no longer in the log');

      // A rewrite of entry 3 with every later hash recomputed: the chain checks out, the seals do not.
      const log = (await (await fetch(`${a.url}/admin/v1/audit?limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { items: (AuditFields & { seq: number; prevHash: string; hash: string })[] };
      let prev = log.items[1]?.hash as string;
      for (const e of log.items.slice(2)) {
        const edited = e.seq === 3 ? { ...e, actor: 'user:mallory' } : e;
        const hash = auditHash(prev, edited);
        await backend.sql(a, 'UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?', [edited.actor, prev, hash, e.seq]);
        prev = hash;
      }
      const rewritten = await cli(b, ADMIN_TOKEN, 'audit', 'verify');
      expect(rewritten.code).toBe(1);
      expect(rewritten.output).toMatch(/#3 .*seal does not match/);

      // A plain edit of an earlier row breaks the chain itself, and is named.
      await backend.sql(a, "UPDATE audit_log SET outcome = 'denied' WHERE seq = ?", [2]);
      const broken = await cli(b, ADMIN_TOKEN, 'audit', 'verify');
      expect(broken.code).toBe(1);
      expect(broken.output).toContain('#2');
      const server = await fetch(`${a.url}/admin/v1/audit/verify`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(await server.json()).toMatchObject({ ok: false, firstBroken: { seq: 2 } });
    });
  });
}
