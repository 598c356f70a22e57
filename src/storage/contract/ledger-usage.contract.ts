import { expect, it } from 'vitest';
import type { UsageEvent } from '../../kernel/types.js';
import type { LedgerStore, UsageExportRow } from '../ports/ledger-store.js';
import { usageEvent } from './usage-event.js';

const H0 = Date.UTC(2026, 10, 1, 10);
const H = 3_600_000;
const MIN = 60_000;

/** Four events in [H0, H0+2h) and one just before: the fixture of the usage tests. */
function fixture(): UsageEvent[] {
  return [
    usageEvent({ requestId: 'u1', ts: H0 + MIN, team: 'team-a', agent: 'bot', model: 'm1', costMicros: 100, inputTokens: 10, outputTokens: 5, savingsMicros: 3, cache: 'hit' }),
    usageEvent({ requestId: 'u2', ts: H0 + 30 * MIN, team: 'team-a', agent: 'bot', model: 'm1', costMicros: 50, status: 502, outcome: 'upstream_error' }),
    usageEvent({ requestId: 'u3', ts: H0 + H + 5 * MIN, team: 'team-a', agent: undefined, model: 'm2', costMicros: 70, tags: {} }),
    usageEvent({ requestId: 'u4', ts: H0 + H + 10 * MIN, team: 'team-b', user: 'bob', agent: 'bot', model: 'm1', costMicros: 30, tags: { repo: 'api', env: 'prod' }, cache: 'semantic_hit' }),
    usageEvent({ requestId: 'u0', ts: H0 - 1, team: 'team-b', costMicros: 999 }),
  ];
}

const byCost = (rows: readonly { dims: object; costMicros: number }[]) => rows.map((r) => [r.dims, r.costMicros]);

/** Rollups, usage queries, the export and spend: part of the LedgerStore contract. */
export function ledgerUsageContract(make: () => Promise<LedgerStore> | LedgerStore): void {
  it('groups usage by attribution from the rollups, totals equal to the raw events', async () => {
    const store = await make();
    await store.appendBatch(fixture());
    const r = await store.usage({ from: H0, to: H0 + 2 * H, groupBy: ['team', 'agent'] });
    expect(byCost(r.rows)).toEqual([
      [{ team: 'team-a', agent: 'bot' }, 150],
      [{ team: 'team-a', agent: null }, 70],
      [{ team: 'team-b', agent: 'bot' }, 30],
    ]);
    expect(r.rows[0]).toMatchObject({ requests: 2, errors: 1, inputTokens: 22, outputTokens: 35, cachedInputTokens: 4, savingsMicros: 7, cacheHits: 1 });
    expect(r.totals).toEqual({ requests: 4, errors: 1, inputTokens: 46, cachedInputTokens: 8, cacheWriteInputTokens: 0, outputTokens: 95, costMicros: 250, savingsMicros: 15, cacheHits: 2 });
    expect(r.truncated).toBe(false);
    const raw = (await store.recent(100)).filter((e) => e.ts >= H0 && e.ts < H0 + 2 * H);
    expect(r.totals.costMicros).toBe(raw.reduce((s, e) => s + e.costMicros, 0));
  });

  it('counts a re-appended request id once in the rollups (idempotent appends)', async () => {
    const store = await make();
    await store.appendBatch(fixture());
    await store.appendBatch([...fixture().map((e) => ({ ...e, costMicros: e.costMicros + 1000 })), usageEvent({ requestId: 'u5', ts: H0, team: 'team-c', costMicros: 1 })]);
    await store.appendBatch([usageEvent({ requestId: 'u6', ts: H0, team: 'team-c', costMicros: 2 }), usageEvent({ requestId: 'u6', ts: H0, team: 'team-c', costMicros: 500 })]);
    const r = await store.usage({ from: H0, to: H0 + 2 * H, groupBy: ['team'] });
    expect(byCost(r.rows)).toEqual([
      [{ team: 'team-a' }, 220],
      [{ team: 'team-b' }, 30],
      [{ team: 'team-c' }, 3],
    ]);
    expect(r.totals.requests).toBe(6);
  });

  it('buckets by UTC hour and day, rounds the range outward to whole hours', async () => {
    const store = await make();
    await store.appendBatch(fixture());
    const hours = await store.usage({ from: H0 + 10 * MIN, to: H0 + H + MIN, groupBy: ['hour', 'model'] });
    expect([hours.from, hours.to]).toEqual([H0, H0 + 2 * H]);
    expect(byCost(hours.rows)).toEqual([
      [{ hour: H0, model: 'm1' }, 150],
      [{ hour: H0 + H, model: 'm2' }, 70],
      [{ hour: H0 + H, model: 'm1' }, 30],
    ]);
    const days = await store.usage({ from: H0 - H, to: H0 + 2 * H, groupBy: ['day'] });
    expect(byCost(days.rows)).toEqual([[{ day: Date.UTC(2026, 10, 1) }, 1249]]);
    const none = await store.usage({ from: H0, to: H0 + 2 * H, groupBy: [] });
    expect(byCost(none.rows)).toEqual([[{}, 250]]);
  });

  it('filters by team lists, user, key, repo, route and by "no value"', async () => {
    const store = await make();
    await store.appendBatch(fixture());
    const q = (filter: Parameters<LedgerStore['usage']>[0]['filter']) => store.usage({ from: H0, to: H0 + 2 * H, groupBy: ['team'], filter });
    expect((await q({ team: ['team-b'] })).totals.costMicros).toBe(30);
    expect((await q({ team: 'team-a' })).totals.costMicros).toBe(220);
    expect((await q({ team: [] })).rows).toEqual([]);
    expect((await q({ team: [] })).totals.requests).toBe(0);
    expect((await q({ agent: '' })).totals.costMicros).toBe(70);
    expect((await q({ repo: 'api' })).totals.costMicros).toBe(30);
    expect((await q({ repo: 'web', team: ['team-a', 'team-b'] })).totals.costMicros).toBe(150);
    expect((await q({ user: 'bob' })).totals.costMicros).toBe(30);
    expect((await q({ apiKey: 'key_1', model: 'm2', provider: 'simulator', route: 'simulator/sim-small', workflow: '' })).totals.costMicros).toBe(70);
  });

  it('answers ranges across whole days (daily rollups) and partial days (hourly) with the raw totals', async () => {
    const store = await make();
    const day0 = Date.UTC(2026, 10, 1);
    const spread = Array.from({ length: 96 }, (_, i) =>
      usageEvent({ requestId: `d-${i}`, ts: day0 + i * 45 * MIN, team: i % 2 ? 'team-a' : 'team-b', costMicros: 10 + i, agent: i % 3 ? 'bot' : undefined }),
    );
    await store.appendBatch(spread.slice(0, 50));
    await store.appendBatch(spread.slice(40));
    const raw = (from: number, to: number, team?: string) =>
      spread.filter((e) => e.ts >= from && e.ts < to && (team === undefined || e.team === team)).reduce((s, e) => s + e.costMicros, 0);
    for (const [from, to] of [
      [day0 + 10 * H, day0 + 24 * H * 2 + 5 * H],
      [day0, day0 + 72 * H],
      [day0 + 23 * H, day0 + 25 * H],
      [day0 + 3 * H, day0 + 24 * H],
    ] as const) {
      const r = await store.usage({ from, to, groupBy: ['day', 'agent'] });
      expect(r.totals.costMicros).toBe(raw(from, to));
      expect(r.rows.reduce((s, row) => s + row.costMicros, 0)).toBe(raw(from, to));
      expect((await store.usage({ from, to, groupBy: ['team'], filter: { team: ['team-a'] } })).totals.costMicros).toBe(raw(from, to, 'team-a'));
    }
    const byDay = await store.usage({ from: day0 + 10 * H, to: day0 + 53 * H, groupBy: ['day'] });
    expect(byDay.rows.map((r) => [r.dims.day, r.costMicros])).toEqual([
      [day0, raw(day0 + 10 * H, day0 + 24 * H)],
      [day0 + 24 * H, raw(day0 + 24 * H, day0 + 48 * H)],
      [day0 + 48 * H, raw(day0 + 48 * H, day0 + 53 * H)],
    ]);
  });

  it('cuts rows at the limit but keeps the totals whole', async () => {
    const store = await make();
    await store.appendBatch(fixture());
    const r = await store.usage({ from: H0, to: H0 + 2 * H, groupBy: ['team', 'agent'], limit: 2 });
    expect(r.rows).toHaveLength(2);
    expect(r.truncated).toBe(true);
    expect(r.totals.costMicros).toBe(250);
  });

  it('exports raw events grouped per hour and attribution, oldest first, summing to the ledger', async () => {
    const store = await make();
    await store.appendBatch([...fixture(), usageEvent({ requestId: 'u7', ts: H0 + 2 * MIN, team: 'team-a', agent: 'bot', model: 'm1', run: 'run-1', costMicros: 9 })]);
    const rows: UsageExportRow[] = [];
    for await (const row of store.exportRows(H0, H0 + 2 * H)) rows.push(row);
    expect(rows.map((r) => [r.hour, r.team, r.run, r.costMicros])).toEqual([
      [H0, 'team-a', 'run-1', 9],
      [H0, 'team-a', 'run-9', 150],
      [H0 + H, 'team-a', 'run-9', 70],
      [H0 + H, 'team-b', 'run-9', 30],
    ]);
    expect(rows[3]).toEqual({
      hour: H0 + H,
      team: 'team-b',
      user: 'bob',
      keyId: 'key_1',
      agent: 'bot',
      workflow: null,
      run: 'run-9',
      repo: 'api',
      model: 'm1',
      provider: 'simulator',
      priceVersion: 'pt-abc',
      requests: 1,
      errors: 0,
      inputTokens: 12,
      cachedInputTokens: 2,
      cacheWriteInputTokens: 0,
      outputTokens: 30,
      costMicros: 30,
      savingsMicros: 4,
      cacheHits: 1,
    });
    const onlyB: UsageExportRow[] = [];
    for await (const row of store.exportRows(H0 - 2 * H, H0 + 2 * H, { teams: ['team-b'] })) onlyB.push(row);
    expect(onlyB.map((r) => r.costMicros)).toEqual([999, 30]);
  });

  it('sums spend of raw events by exact range, attribution and tags', async () => {
    const store = await make();
    await store.appendBatch(fixture());
    expect(await store.spend({ from: H0, to: H0 + 2 * H })).toBe(250);
    expect(await store.spend({ from: H0 + MIN + 1, to: H0 + 2 * H })).toBe(150);
    expect(await store.spend({ from: 0, to: H0 + 2 * H, team: 'team-b' })).toBe(1029);
    expect(await store.spend({ from: 0, to: H0 + 2 * H, tags: { repo: 'api', env: 'prod' } })).toBe(30);
    expect(await store.spend({ from: 0, to: H0 + 2 * H, tags: { repo: 'api', env: 'dev' } })).toBe(0);
    expect(await store.spend({ from: 0, to: H0 + 2 * H, agent: 'bot', model: 'm1', keyId: 'key_1', run: 'run-9' })).toBe(180);
    expect(await store.spend({ from: 0, to: H0 + 2 * H, user: 'bob', workflow: 'none' })).toBe(0);
  });
}
