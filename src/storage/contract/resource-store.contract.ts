import { afterEach, describe, expect, it } from 'vitest';
import { auditHash, GENESIS_HASH } from '../../kernel/audit-hash.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { AuditDraft, AuditEntry, ResourceDelete, ResourcePut, ResourceStore } from '../ports/resource-store.js';

export const putOf = (name: string, o: Partial<ResourcePut> = {}): ResourcePut => ({
  op: 'put',
  kind: 'ApiKey',
  name,
  team: 'payments',
  labels: {},
  spec: { team: 'payments', models: ['sim-small'] },
  status: { prefix: 'gk_abcd' },
  secret: { hash: `h-${name}` },
  expectedGeneration: 0,
  actor: 'user:alice',
  ...o,
});

export const deleteOf = (name: string, expectedGeneration: number, o: Partial<ResourceDelete> = {}): ResourceDelete => ({
  op: 'delete',
  kind: 'ApiKey',
  name,
  expectedGeneration,
  actor: 'user:bob',
  ...o,
});

export const draftOf = (o: Partial<AuditDraft> = {}): AuditDraft => ({
  ts: 1_700_000_000_000,
  actor: 'user:alice',
  action: 'apply',
  kind: 'ApiKey',
  name: 'k1',
  team: 'payments',
  outcome: 'created',
  requestId: 'req_1',
  sourceIp: '10.0.0.1',
  before: undefined,
  after: { spec: { models: ['sim-small'] }, note: 'ünïcode' },
  diff: [{ path: '/spec/models', op: 'add' }],
  ...o,
});

/** Checks seq 1..n without gaps, each prevHash is the previous hash, and each hash is recomputable. */
export function expectLinearChain(entries: readonly AuditEntry[]): void {
  let prev = GENESIS_HASH;
  entries.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.prevHash).toBe(prev);
    expect(e.hash).toBe(auditHash(e.prevHash, e));
    prev = e.hash;
  });
}

async function expectConflict(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  expect((err as GatewayError).code).toBe('GW_RESOURCE_CONFLICT');
  expect((err as GatewayError).message).toMatch(pattern);
}

async function allPages(store: ResourceStore, kind: string, limit: number, extra: { teams?: string[]; labels?: Record<string, string> } = {}) {
  const names: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.list(kind, { ...extra, limit, ...(after === undefined ? {} : { after }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    names.push(...page.items.map((r) => r.name));
    if (page.next === undefined) return names;
    expect(page.next).toBe(page.items.at(-1)?.name);
    after = page.next;
  }
  throw new Error('pagination did not end');
}

const waitFor = async (check: () => boolean, ms = 5000): Promise<void> => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

export interface ResourceStoreContractOptions {
  /** Opens two stores with their own connections on one shared, empty database (not for memory). */
  readonly openPair?: () => Promise<readonly [ResourceStore, ResourceStore]>;
}

/** The ResourceStore port's behaviour; `open` must return a store on a fresh, empty database each call. */
export function resourceStoreContract(name: string, open: () => Promise<ResourceStore>, options: ResourceStoreContractOptions = {}): void {
  describe(`ResourceStore contract: ${name}`, () => {
    const opened: ResourceStore[] = [];
    const fresh = async () => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('creates, reads, updates, deletes and re-creates with generations and uids', async () => {
      const store = await fresh();
      expect(await store.revision()).toBe(0);
      const created = await store.commit([putOf('k1', { labels: { env: 'prod' } })], []);
      const row = created.written[0]!;
      expect(created.revision).toBe(1);
      expect(row).toMatchObject({ kind: 'ApiKey', name: 'k1', team: 'payments', generation: 1, revision: 1, deleted: false });
      expect(row).toMatchObject({ createdBy: 'user:alice', updatedBy: 'user:alice', lastUsedAt: undefined, labels: { env: 'prod' } });
      expect(row.uid).toMatch(/\S{8,}/);
      expect(row.createdAt).toBeGreaterThan(0);
      expect(await store.get('ApiKey', 'k1')).toEqual(row);
      expect(await store.get('Agent', 'k1')).toBeUndefined();

      const updated = await store.commit([putOf('k1', { expectedGeneration: 1, actor: 'user:bob', spec: { v: 2 }, team: undefined })], []);
      expect(updated.written[0]).toMatchObject({ uid: row.uid, generation: 2, revision: 2, createdBy: 'user:alice', updatedBy: 'user:bob' });
      expect(updated.written[0]?.createdAt).toBe(row.createdAt);
      expect(await store.get('ApiKey', 'k1')).toMatchObject({ spec: { v: 2 }, team: undefined, labels: {} });

      const deleted = await store.commit([deleteOf('k1', 2)], []);
      expect(deleted.written[0]).toMatchObject({ uid: row.uid, generation: 3, revision: 3, deleted: true, updatedBy: 'user:bob' });
      expect(await store.get('ApiKey', 'k1')).toBeUndefined();
      expect(await store.count('ApiKey')).toBe(0);

      const again = await store.commit([putOf('k1')], []);
      expect(again.written[0]).toMatchObject({ generation: 1, revision: 4, deleted: false });
      expect(again.written[0]?.uid).not.toBe(row.uid);
      expect(await store.get('ApiKey', 'k1')).toEqual(again.written[0]);
    });

    it('stores JSON columns as values and hands out copies', async () => {
      const store = await fresh();
      const spec = { nested: { list: [1, 'two', null, { deep: true }] }, unicode: 'naïve ✓', big: 9_007_199_254_740_991 };
      await store.commit([putOf('k1', { spec, status: null, secret: undefined })], []);
      const got = await store.get('ApiKey', 'k1');
      expect(got).toMatchObject({ spec, status: null, secret: undefined });
      (got!.spec as { nested: { list: unknown[] } }).nested.list.push('mutated');
      expect((await store.get('ApiKey', 'k1'))?.spec).toEqual(spec);
    });

    it('applies several writes of one resource in one commit in order', async () => {
      const store = await fresh();
      const r = await store.commit([putOf('k1'), putOf('k1', { expectedGeneration: 1, spec: { v: 2 } }), putOf('k2')], []);
      expect(r.written.map((w) => [w.name, w.generation])).toEqual([
        ['k1', 1],
        ['k1', 2],
        ['k2', 1],
      ]);
      expect(await store.get('ApiKey', 'k1')).toMatchObject({ generation: 2, spec: { v: 2 }, revision: 1 });
    });

    it('rejects stale and colliding writes and writes nothing of a failed commit', async () => {
      const store = await fresh();
      await store.commit([putOf('k1')], [draftOf()]);
      await store.commit([putOf('k1', { expectedGeneration: 1 })], [draftOf({ outcome: 'updated' })]);
      await expectConflict(store.commit([putOf('k1', { expectedGeneration: 1 })], []), /ApiKey "k1".*generation 1.*generation 2/);
      await expectConflict(store.commit([putOf('k1')], []), /ApiKey "k1" already exists/);
      await expectConflict(store.commit([deleteOf('k1', 1)], []), /ApiKey "k1"/);
      await expectConflict(store.commit([deleteOf('missing', 1)], []), /ApiKey "missing" does not exist/);
      await expectConflict(store.commit([putOf('missing', { expectedGeneration: 3 })], []), /does not exist/);
      // A good write before the bad one, and audit drafts: none of it may land.
      await expectConflict(store.commit([putOf('fresh'), putOf('k1', { expectedGeneration: 7 })], [draftOf({ name: 'fresh' })]), /"k1"/);
      expect(await store.get('ApiKey', 'fresh')).toBeUndefined();
      expect(await store.revision()).toBe(2);
      expect(await store.changesSince(2, 10)).toEqual([]);
      expect((await store.listAudit(0, 100)).map((e) => e.seq)).toEqual([1, 2]);
      const details = await store.commit([putOf('k1', { expectedGeneration: 5 })], []).catch((e: GatewayError) => e.details);
      expect(details).toEqual([{ kind: 'ApiKey', name: 'k1', expectedGeneration: 5, actualGeneration: 2 }]);
    });

    it('checks preconditions inside the commit: references must exist, a deleted team must own nothing', async () => {
      const store = await fresh();
      await store.commit([putOf('payments', { kind: 'Team', team: 'payments', spec: {} })], []);
      await store.commit([putOf('k1', { spec: { team: 'payments' } })], [], { mustExist: [{ kind: 'Team', name: 'payments' }] });
      await expectConflict(store.commit([putOf('k2')], [draftOf()], { mustExist: [{ kind: 'Team', name: 'gone' }] }), /Team "gone" was deleted/);
      expect(await store.get('ApiKey', 'k2')).toBeUndefined();
      const inUse = await store.commit([deleteOf('payments', 1, { kind: 'Team' })], [draftOf()], { teamsUnused: ['payments'] }).catch((e: GatewayError) => e);
      expect(inUse).toMatchObject({ code: 'GW_RESOURCE_IN_USE', message: expect.stringContaining('ApiKey "k1"') });
      expect(await store.get('Team', 'payments')).toBeDefined();
      expect((await store.listAudit(0, 10)).length).toBe(0);
      await store.commit([deleteOf('k1', 1)], []);
      await store.commit([deleteOf('payments', 1, { kind: 'Team' })], [], { teamsUnused: ['payments'] });
      expect(await store.get('Team', 'payments')).toBeUndefined();
    });

    it("lists one user's resources (owner) in SQL, and keeps the owner through updates", async () => {
      const store = await fresh();
      await store.commit([putOf('a1', { owner: 'dave' }), putOf('a2'), putOf('a3', { owner: 'dave' }), putOf('a4', { owner: 'erin' })], []);
      const page = await store.list('ApiKey', { limit: 10, owner: 'dave', teams: ['payments'] });
      expect(page.items.map((r) => [r.name, r.owner])).toEqual([['a1', 'dave'], ['a3', 'dave']]);
      await store.commit([putOf('a1', { owner: 'erin', expectedGeneration: 1 })], []);
      expect((await store.get('ApiKey', 'a1'))?.owner).toBe('erin');
      expect((await store.list('ApiKey', { limit: 10, owner: 'dave' })).items.map((r) => r.name)).toEqual(['a3']);
    });

    it('lists by labels and teams, in byte order, through every page', async () => {
      const store = await fresh();
      const names = ['b', 'B', 'a-2', 'a_1', 'A', 'z9', 'za', 'é'];
      for (let i = 0; i < 40; i++) names.push(`key-${String(i).padStart(3, '0')}`);
      await store.commit(
        names.map((n, i) => putOf(n, { team: i % 3 === 0 ? 'payments' : i % 3 === 1 ? 'search' : undefined, labels: { env: i % 2 ? 'prod' : 'dev', tier: 'x' } })),
        [],
      );
      await store.commit([putOf('other', { kind: 'Agent' }), deleteOf('key-000', 1)], []);
      const expected = names.filter((n) => n !== 'key-000').sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await allPages(store, 'ApiKey', 1000)).toEqual(expected);
      for (const limit of [1, 7, 47]) expect(await allPages(store, 'ApiKey', limit)).toEqual(expected);
      expect(expected.slice(0, 5)).toEqual(['A', 'B', 'a-2', 'a_1', 'b']);

      const byTeam = (teams: string[]) => names.filter((n, i) => n !== 'key-000' && teams.includes(i % 3 === 0 ? 'payments' : i % 3 === 1 ? 'search' : '-'));
      const sorted = (xs: string[]) => xs.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await allPages(store, 'ApiKey', 5, { teams: ['payments'] })).toEqual(sorted(byTeam(['payments'])));
      expect(await allPages(store, 'ApiKey', 5, { teams: ['payments', 'search'] })).toEqual(sorted(byTeam(['payments', 'search'])));
      expect(await allPages(store, 'ApiKey', 5, { teams: [] })).toEqual([]);
      expect(await allPages(store, 'ApiKey', 5, { teams: ['nobody'] })).toEqual([]);

      const prod = sorted(names.filter((n, i) => n !== 'key-000' && i % 2 === 1));
      expect(await allPages(store, 'ApiKey', 4, { labels: { env: 'prod' } })).toEqual(prod);
      expect(await allPages(store, 'ApiKey', 4, { labels: { env: 'prod', tier: 'x' } })).toEqual(prod);
      expect(await allPages(store, 'ApiKey', 4, { labels: { env: 'prod', tier: 'y' } })).toEqual([]);
      expect(await allPages(store, 'ApiKey', 4, { labels: { missing: 'prod' } })).toEqual([]);
      const both = await allPages(store, 'ApiKey', 3, { labels: { env: 'dev' }, teams: ['search'] });
      expect(both).toEqual(sorted(names.filter((n, i) => n !== 'key-000' && i % 2 === 0 && i % 3 === 1)));

      const last = await store.list('ApiKey', { limit: 2, after: expected.at(-2)! });
      expect(last).toEqual({ items: [expect.objectContaining({ name: expected.at(-1) })], next: undefined });
      expect((await store.list('Agent', { limit: 10 })).items.map((r) => r.name)).toEqual(['other']);
      expect(await store.count('ApiKey')).toBe(names.length - 1);
      expect(await store.count('Agent')).toBe(1);
      expect(await store.count('Team')).toBe(0);
    });

    it('reports revisions and changes, tombstones included, in revision, kind, name order', async () => {
      const store = await fresh();
      await store.commit([putOf('b'), putOf('a'), putOf('x', { kind: 'Agent' })], []);
      const audited = await store.commit([], [draftOf({ action: 'login', kind: undefined, name: undefined, outcome: 'ok' })]);
      expect(audited.revision).toBe(1);
      expect(audited.written).toEqual([]);
      expect(await store.revision()).toBe(1);
      await store.commit([deleteOf('a', 1), putOf('c')], []);
      expect(await store.revision()).toBe(2);
      const all = await store.changesSince(0, 100);
      expect(all.map((r) => [r.revision, r.kind, r.name, r.deleted])).toEqual([
        [1, 'Agent', 'x', false],
        [1, 'ApiKey', 'b', false],
        [2, 'ApiKey', 'a', true],
        [2, 'ApiKey', 'c', false],
      ]);
      expect((await store.changesSince(1, 100)).map((r) => r.name)).toEqual(['a', 'c']);
      expect((await store.changesSince(0, 2)).map((r) => r.name)).toEqual(['x', 'b']);
      expect(await store.changesSince(2, 100)).toEqual([]);
    });

    it('touches last-used times without a revision bump, never moving them back', async () => {
      const store = await fresh();
      await store.commit([putOf('k1'), putOf('k2')], []);
      await store.touch('ApiKey', [
        { name: 'k1', at: 5000 },
        { name: 'k2', at: 7000 },
        { name: 'nope', at: 1 },
      ]);
      await store.touch('ApiKey', [
        { name: 'k1', at: 4000 },
        { name: 'k1', at: 6000 },
      ]);
      expect((await store.get('ApiKey', 'k1'))?.lastUsedAt).toBe(6000);
      expect((await store.get('ApiKey', 'k2'))?.lastUsedAt).toBe(7000);
      expect(await store.get('ApiKey', 'nope')).toBeUndefined();
      expect(await store.revision()).toBe(1);
      expect(await store.changesSince(1, 10)).toEqual([]);
    });

    it('returns the newest audit entry', async () => {
      const store = await fresh();
      expect(await store.lastAudit()).toBeUndefined();
      await store.commit([], [draftOf(), draftOf({ name: 'second' })]);
      expect(await store.lastAudit()).toMatchObject({ seq: 2, name: 'second' });
    });

    it('chains the audit log: seq 1..n, prevHash links and recomputable hashes', async () => {
      const store = await fresh();
      const first = await store.commit([putOf('k1')], [draftOf(), draftOf({ name: 'k1b', before: null, diff: undefined })]);
      await store.commit([], [draftOf({ action: 'login', kind: undefined, name: undefined, team: undefined, requestId: undefined, sourceIp: undefined })]);
      await store.commit([putOf('k1', { expectedGeneration: 1 })], [draftOf({ outcome: 'updated', before: { a: 1 } })]);
      const log = await store.listAudit(0, 100);
      expect(log).toHaveLength(4);
      expectLinearChain(log);
      expect(log.slice(0, 2)).toEqual(first.audit);
      expect(log[0]).toMatchObject({ actor: 'user:alice', action: 'apply', kind: 'ApiKey', requestId: 'req_1', sourceIp: '10.0.0.1', before: undefined });
      expect(log[0]?.after).toEqual({ spec: { models: ['sim-small'] }, note: 'ünïcode' });
      expect(log[1]).toMatchObject({ before: null, diff: undefined });
      expect(log[2]).toMatchObject({ kind: undefined, name: undefined, team: undefined, requestId: undefined, sourceIp: undefined });
      expect((await store.listAudit(1, 2)).map((e) => e.seq)).toEqual([2, 3]);
      expect(await store.listAudit(4, 10)).toEqual([]);
    });

    it('notifies subscribers after a commit with writes', async () => {
      const store = await fresh();
      if (!store.subscribe) return; // this adapter cannot push; callers poll revision()
      let calls = 0;
      const unsubscribe = store.subscribe(() => {
        calls += 1;
      });
      await store.commit([putOf('k1')], []);
      await waitFor(() => calls > 0);
      unsubscribe();
      const seen = calls;
      await store.commit([putOf('k2')], []);
      await new Promise((r) => setTimeout(r, 200));
      expect(calls).toBe(seen);
    });

    it('lists a page quickly among 100,000 rows', async () => {
      const store = await fresh();
      const batch = 20_000;
      for (let start = 0; start < 100_000; start += batch) {
        const writes = Array.from({ length: batch }, (_, i) => {
          const n = start + i;
          return putOf(`key-${String(n).padStart(6, '0')}`, { team: `team-${n % 50}`, labels: { env: n % 2 ? 'prod' : 'dev' } });
        });
        await store.commit(writes, [draftOf({ action: 'bulk' })]);
      }
      expect(await store.count('ApiKey')).toBe(100_000);
      const page = await store.list('ApiKey', { limit: 100, after: 'key-050000' });
      expect(page.items.map((r) => r.name).slice(0, 2)).toEqual(['key-050001', 'key-050002']);
      expect(page.next).toBe('key-050100');
      const team = await store.list('ApiKey', { limit: 10, teams: ['team-7', 'team-8'], labels: { env: 'dev' } });
      // team-7/team-8 and env=dev: n % 50 === 8, so every 50th key from key-000008.
      const expectedTeam = Array.from({ length: 10 }, (_, i) => `key-${String(8 + 50 * i).padStart(6, '0')}`);
      expect(team).toEqual({ items: expectedTeam.map((n) => expect.objectContaining({ name: n, team: 'team-8' })), next: expectedTeam.at(-1) });
      expect(await store.revision()).toBe(5);
    }, 120_000);

    if (options.openPair) {
      const openPair = options.openPair;
      const pair = async () => {
        const [a, b] = await openPair();
        opened.push(a, b);
        return [a, b] as const;
      };

      it('serializes concurrent commits from two instances into one linear chain', async () => {
        const [a, b] = await pair();
        const commits = Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).commit([putOf(`c-${i}`)], [draftOf({ name: `c-${i}` }), draftOf({ name: `c-${i}`, action: 'extra' })]),
        );
        const results = await Promise.all(commits);
        expect(new Set(results.map((r) => r.revision)).size).toBe(40);
        expect(await a.revision()).toBe(40);
        const log = await b.listAudit(0, 1000);
        expect(log).toHaveLength(80);
        expectLinearChain(log);
        // Both instances see each other's rows, and a create race has exactly one winner.
        expect(await a.count('ApiKey')).toBe(40);
        const race = await Promise.allSettled([a.commit([putOf('same')], []), b.commit([putOf('same')], [])]);
        expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      });

      it('notifies a subscriber of another instance', async () => {
        const [a, b] = await pair();
        if (!b.subscribe) return;
        let calls = 0;
        b.subscribe(() => {
          calls += 1;
        });
        await a.commit([putOf('k1')], []);
        await waitFor(() => calls > 0);
      });
    }
  });
}
