import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvColumn } from '../../../test/helpers/csv.js';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import { parseUsdToMicros } from '../../kernel/money.js';
import type { UsageEvent } from '../../kernel/types.js';
import { usageEvent } from '../../storage/contract/usage-event.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import type { LedgerStore } from '../../storage/ports/ledger-store.js';
import { openSqlite } from '../../storage/sqlite/database.js';
import { createSqliteLedgerStore } from '../../storage/sqlite/ledger-store.js';
import { FOCUS_HEADER } from '../usage/focus-csv.js';

const DAY = Date.UTC(2026, 10, 2);
const H = 3_600_000;
const TEAMS = ['team-a', 'team-b'];
const AGENTS = ['bot-b', undefined, 'triage'];
const MODELS = ['small', 'large'];

/** 600 events over two days before DAY+24h, some failed, spread over teams, agents, models, users. */
function events(): UsageEvent[] {
  return Array.from({ length: 600 }, (_, i) =>
    usageEvent({
      requestId: `ev-${i}`,
      ts: DAY - 24 * H + i * 287_000,
      team: TEAMS[i % 2] as string,
      agent: AGENTS[i % 3],
      model: MODELS[i % 5 === 0 ? 1 : 0] as string,
      user: i % 4 === 0 ? 'dave' : undefined,
      costMicros: 37 + ((i * 7919) % 1013),
      savingsMicros: i % 6 === 0 ? 11 : 0,
      status: i % 17 === 0 ? 502 : 200,
      tags: i % 3 === 0 ? { repo: 'web' } : {},
    }),
  );
}

/** The ground truth: the sum of raw events in [from, to). */
const rawCost = (list: readonly UsageEvent[], from: number, to: number, team?: string) =>
  list.filter((e) => e.ts >= from && e.ts < to && (team === undefined || e.team === team)).reduce((s, e) => s + e.costMicros, 0);

describe('usage API', () => {
  let cp: InProcessControlPlane;
  let ledger: LedgerStore;
  const tokens = new Map<string, string>();
  const all = events();

  beforeAll(async () => {
    ledger = createSqliteLedgerStore(openSqlite(join(mkdtempSync(join(tmpdir(), 'gantry-usage-api-')), 'gantry.db')));
    await ledger.appendBatch(all);
    cp = await startControlPlane(createMemoryResourceStore(), ledger);
    const yaml = readFileSync(new URL('../../../test/fixtures/rbac.yaml', import.meta.url), 'utf8');
    expect((await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, yaml)).status).toBe(200);
    for (const user of ['alice', 'dave', 'fiona', 'audrey']) {
      const r = await cp.call('POST', `/users/${user}/tokens`, TEST_ADMIN_TOKEN, { ttlHours: 1 });
      tokens.set(user, r.body.token);
    }
  });
  afterAll(() => cp.close());

  it('groups by team, agent and model with totals equal to the sum of raw events in the range', async () => {
    const from = DAY - 24 * H;
    const to = DAY + 24 * H;
    const r = await cp.call('GET', `/usage?groupBy=team,agent,model&from=${new Date(from).toISOString()}&to=${to}`, tokens.get('fiona'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.from).toBe('2026-11-01T00:00:00.000Z');
    expect(r.body.groupBy).toEqual(['team', 'agent', 'model']);
    expect(r.body.rows).toHaveLength(12);
    expect(r.body.totals.costMicros).toBe(rawCost(all, from, to));
    expect(r.body.totals.requests).toBe(600);
    expect(r.body.totals.errors).toBe(all.filter((e) => e.status >= 400).length);
    expect(r.body.totals.savingsMicros).toBe(100 * 11);
    expect(r.body.rows.reduce((s: number, row: { costMicros: number }) => s + row.costMicros, 0)).toBe(r.body.totals.costMicros);
    expect(parseUsdToMicros(r.body.totals.costUsd)).toBe(r.body.totals.costMicros);
    const row = r.body.rows[0];
    expect(Object.keys(row).slice(0, 3)).toEqual(['team', 'agent', 'model']);
    expect(parseUsdToMicros(row.costPer1kRequestsUsd)).toBe(Math.round((row.costMicros * 1000) / row.requests));
    expect(r.body.rows.some((x: { agent: string | null }) => x.agent === null)).toBe(true);
  });

  it('buckets by day, filters by agent and repo, and answers the same totals as a narrower range of hours', async () => {
    const from = DAY;
    const to = DAY + 6 * H;
    const r = await cp.call('GET', `/usage?groupBy=day&from=${from}&to=${to}&agent=bot-b&repo=web`, TEST_ADMIN_TOKEN);
    const expected = all.filter((e) => e.ts >= from && e.ts < to && e.agent === 'bot-b' && e.tags.repo === 'web');
    expect(r.body.rows.map((x: { day: string; requests: number }) => [x.day, x.requests])).toEqual([['2026-11-02T00:00:00.000Z', expected.length]]);
    expect(r.body.totals.costMicros).toBe(expected.reduce((s, e) => s + e.costMicros, 0));
  });

  it('forces the team filter for team members and refuses other teams', async () => {
    const range = `from=${DAY - 24 * H}&to=${DAY + 24 * H}`;
    const mine = await cp.call('GET', `/usage?groupBy=team&${range}`, tokens.get('dave'));
    expect(mine.body.rows.map((x: { team: string }) => x.team)).toEqual(['team-a']);
    expect(mine.body.totals.costMicros).toBe(rawCost(all, DAY - 24 * H, DAY + 24 * H, 'team-a'));
    const other = await cp.call('GET', `/usage?groupBy=team&team=team-a,team-b&${range}`, tokens.get('alice'));
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'GW_FORBIDDEN', param: 'team' });
    expect(other.body.error.message).toContain('team-b');
    expect((await cp.call('GET', `/usage?${range}`, tokens.get('audrey'))).status).toBe(403);
    const everyone = await cp.call('GET', `/usage?groupBy=team&team=team-b&${range}`, tokens.get('fiona'));
    expect(everyone.body.rows.map((x: { team: string }) => x.team)).toEqual(['team-b']);
  });

  it('names the parameter of a bad request', async () => {
    const bad = async (query: string) => (await cp.call('GET', `/usage?${query}`, TEST_ADMIN_TOKEN)).body.error;
    expect(await bad('from=yesterday')).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'from' });
    expect(await bad('to=2026-13-40')).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'to' });
    expect(await bad('from=2026-11-02&to=2026-11-01')).toMatchObject({ param: 'from' });
    expect(await bad('groupBy=team,colour')).toMatchObject({ param: 'groupBy' });
    expect((await bad('groupBy=team,colour')).message).toContain('colour');
    expect(await bad('limit=0')).toMatchObject({ param: 'limit' });
    expect((await cp.call('GET', '/usage/export?format=xlsx', TEST_ADMIN_TOKEN)).body.error).toMatchObject({ param: 'format' });
    expect((await cp.call('GET', '/usage/export?agent=bot-b', TEST_ADMIN_TOKEN)).body.error).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'agent' });
  });

  it('exports FOCUS CSV whose BilledCost sums exactly to the ledger total of the range', async () => {
    const from = DAY - 12 * H;
    const to = DAY + 12 * H;
    const res = await fetch(`${cp.url}/admin/v1/usage/export?format=focus-csv&from=${from}&to=${to}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('gantry-focus-2026-11-01T12-2026-11-02T12.csv');
    const csv = await res.text();
    expect(csv.split('\r\n')[0]).toBe(FOCUS_HEADER);
    for (const column of ['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'ConsumedQuantity', 'ChargeCategory', 'ChargePeriodStart', 'x_Team', 'x_PriceVersion']) {
      expect(FOCUS_HEADER.split(',')).toContain(column);
    }
    const billed = csvColumn(csv, 'BilledCost');
    expect(billed.every((v) => /^\d+\.\d{6}$/.test(v))).toBe(true);
    const sum = billed.reduce((s, v) => s + (parseUsdToMicros(v) as number), 0);
    expect(sum).toBe(rawCost(all, from, to));
    expect(sum).toBe(await ledger.spend({ from, to }));
    expect(new Set(csvColumn(csv, 'ChargeCategory'))).toEqual(new Set(['Usage']));

    const teamA = await fetch(`${cp.url}/admin/v1/usage/export?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${tokens.get('alice')}` } });
    const teamCsv = await teamA.text();
    expect(new Set(csvColumn(teamCsv, 'x_Team'))).toEqual(new Set(['team-a']));
    expect(csvColumn(teamCsv, 'BilledCost').reduce((s, v) => s + (parseUsdToMicros(v) as number), 0)).toBe(rawCost(all, from, to, 'team-a'));
  });

  it('answers the last 30 days by default', async () => {
    const r = await cp.call('GET', '/usage', TEST_ADMIN_TOKEN);
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.to) - Date.parse(r.body.from)).toBeGreaterThanOrEqual(30 * 24 * H);
    expect(Date.parse(r.body.to)).toBeGreaterThanOrEqual(Date.now());
  });
});
