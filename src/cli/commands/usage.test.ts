import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harness } from '../../../test/helpers/cli-harness.js';
import { csvColumn } from '../../../test/helpers/csv.js';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import { parseUsdToMicros } from '../../kernel/money.js';
import { usageEvent } from '../../storage/contract/usage-event.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { openSqlite } from '../../storage/sqlite/database.js';
import { createSqliteLedgerStore } from '../../storage/sqlite/ledger-store.js';
import { ArgsError } from '../args.js';
import type { CliContext } from '../context.js';
import { usageTable, usageVerb } from './usage.js';
import { FOCUS_HEADER } from '../../control-plane/usage/focus-csv.js';

const START = Date.UTC(2026, 10, 1);
const EVENTS = Array.from({ length: 240 }, (_, i) =>
  usageEvent({ requestId: `c-${i}`, ts: START + i * 600_000, team: i % 3 ? 'team-a' : 'team-b', agent: i % 2 ? 'bot' : undefined, costMicros: 100 + i }),
);
const TOTAL = EVENTS.reduce((s, e) => s + e.costMicros, 0);

describe('gantry usage (against a real admin API)', () => {
  let cp: InProcessControlPlane;
  const dir = mkdtempSync(join(tmpdir(), 'gantry-usage-cli-'));
  let out = '';
  let err = '';
  let ctx: CliContext;

  beforeAll(async () => {
    const ledger = createSqliteLedgerStore(openSqlite(join(dir, 'gantry.db')));
    await ledger.appendBatch(EVENTS);
    cp = await startControlPlane(createMemoryResourceStore(), ledger);
    ctx = {
      env: { XDG_CONFIG_HOME: join(dir, 'config'), GANTRY_URL: cp.url, GANTRY_TOKEN: TEST_ADMIN_TOKEN },
      cwd: dir,
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      fetch: globalThis.fetch,
      now: () => Date.now(),
      readStdin: async () => '',
    };
  });
  afterAll(() => cp.close());

  it('prints a table per team and agent with a TOTAL line equal to the sum of the events', async () => {
    out = '';
    expect(await usageVerb.run(['--by', 'team,agent', '--from', '2026-11-01', '--to', '2026-11-03'], ctx)).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^TEAM\s+AGENT\s+REQUESTS\s+ERRORS\s+INPUT TOKENS\s+OUTPUT TOKENS\s+COST USD\s+PER 1K REQ USD\s+SAVINGS USD\s+CACHE HITS$/);
    expect(lines).toHaveLength(1 + 4 + 1);
    expect(lines.at(-1)).toMatch(new RegExp(`^TOTAL\\s+240\\s+0\\s+2880\\s+7200\\s+${(TOTAL / 1e6).toFixed(6).replace('.', '\\.')}\\s`));
    expect(out).toContain('team-a   bot');
    expect(err).toContain('Usage from 2026-11-01T00:00:00.000Z to 2026-11-03T00:00:00.000Z');
  });

  it('-o json prints the API body; filters go to the query', async () => {
    out = '';
    await usageVerb.run(['--by', 'day', '--team', 'team-b', '--from', String(START), '--to', '2026-11-03T00:00:00Z', '-o', 'json'], ctx);
    const body = JSON.parse(out);
    expect(body.rows.map((r: { day: string }) => r.day)).toEqual(['2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z']);
    expect(body.totals.costMicros).toBe(EVENTS.filter((e) => e.team === 'team-b').reduce((s, e) => s + e.costMicros, 0));
  });

  it('exports FOCUS CSV to a file, BilledCost summing to the ledger total', async () => {
    err = '';
    expect(await usageVerb.run(['export', '--format', 'focus-csv', '--from', '2026-11-01', '--to', '2026-11-03', '--out', 'focus.csv'], ctx)).toBe(0);
    const csv = readFileSync(join(dir, 'focus.csv'), 'utf8');
    const billed = csvColumn(csv, 'BilledCost').reduce((s, v) => s + (parseUsdToMicros(v) as number), 0);
    expect(billed).toBe(TOTAL);
    expect(err).toMatch(/wrote \d+ FOCUS rows to .*focus\.csv/);
    out = '';
    await usageVerb.run(['export', '--from', '2026-11-01', '--to', '2026-11-01T01:00Z'], ctx);
    expect(csvColumn(out, 'BilledCost').reduce((s, v) => s + (parseUsdToMicros(v) as number), 0)).toBe(EVENTS.slice(0, 6).reduce((s, e) => s + e.costMicros, 0));
  });

  it('explains a server-side refusal and usage errors', async () => {
    await expect(usageVerb.run(['--from', 'last-week'], ctx)).rejects.toThrow(/from must be an ISO 8601 date/);
    await expect(usageVerb.run(['-o', 'yaml'], ctx)).rejects.toThrow(ArgsError);
    await expect(usageVerb.run(['export', '--format', 'parquet'], ctx)).rejects.toThrow(ArgsError);
  });
});

describe('gantry usage (request shape)', () => {
  it('shows an hour at midnight as an hour, a day as a date', () => {
    const sums = { requests: 1, errors: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: '0.000001', costPer1kRequestsUsd: '0.001000', savingsUsd: '0.000000' };
    const rows = [{ ...sums, day: '2026-11-02T00:00:00.000Z', hour: '2026-11-02T00:00:00.000Z' }, { ...sums, day: '2026-11-02T00:00:00.000Z', hour: '2026-11-02T01:00:00.000Z' }];
    const lines = usageTable({ from: 'a', to: 'b', groupBy: ['day', 'hour'], rows, truncated: false, totals: sums }).split('\n');
    expect(lines[1]).toMatch(/^2026-11-02\s+2026-11-02T00:00Z\s/);
    expect(lines[2]).toMatch(/^2026-11-02\s+2026-11-02T01:00Z\s/);
  });

  it('an export cut off mid-way fails and leaves no file that looks complete', async () => {
    const h = harness(() => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`${FOCUS_HEADER}\r\n1.000000,1.000000\r\n`));
          controller.error(new TypeError('terminated'));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/csv' } });
    });
    await expect(h.run(usageVerb, ['export', '--out', 'cut.csv'])).rejects.toThrow(/cut off/);
    expect(existsSync(join(h.dir, 'cut.csv'))).toBe(false);
    expect(readdirSync(h.dir).filter((f) => f.startsWith('cut'))).toEqual([]);
  });

  it('sends groupBy, range and filters as query parameters, defaulting to --by team', async () => {
    const body = { from: 'a', to: 'b', groupBy: ['team'], rows: [], truncated: false, totals: { requests: 0, errors: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, costUsd: '0.000000', costPer1kRequestsUsd: '0.000000', savingsUsd: '0.000000' } };
    const h = harness(() => Response.json(body));
    await h.run(usageVerb, ['--api-key', 'k1', '--repo', 'web', '--limit', '5']);
    expect(h.calls[0]?.path).toBe('/usage');
    expect(Object.fromEntries(h.calls[0]!.query)).toEqual({ groupBy: 'team', apiKey: 'k1', repo: 'web', limit: '5' });
    expect(h.out()).toMatch(/^TEAM\s+REQUESTS/);
    expect(h.out().trim().split('\n').at(-1)).toMatch(/^TOTAL\s+0\s+0/);
  });
});
