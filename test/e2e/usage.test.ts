import { describe, expect, it } from 'vitest';
import { csvColumn } from '../helpers/csv.js';
import { parseUsdToMicros } from '../../src/kernel/money.js';
import { eventually, runGantry, startGantry, usageEvents } from './helpers/processes.js';

async function chat(url: string, key: string, agent: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-gantry-tags': 'repo=web' },
    body: JSON.stringify({ model: 'sim-small', max_tokens: 8, messages: [{ role: 'user', content: `hello from ${agent}` }] }),
  });
  await res.text();
  return res.status;
}

const admin = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('usage ledger end to end', () => {
  it('keeps every completed request of a SIGKILLed process (outbox replay), and usage, CLI and FOCUS agree with the events', async () => {
    // A flush interval far beyond the test: nothing reaches the ledger before the kill but the outbox.
    const first = await startGantry({ env: { GANTRY_USAGE_FLUSH_MS: '60000' } });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push(await chat(first.url, first.key, `n${i}`));
    expect(statuses.every((s) => s === 200)).toBe(true);
    await first.stop('SIGKILL');

    const second = await startGantry({ dataDir: first.dataDir });
    try {
      const events = await eventually(async () => {
        const list = await usageEvents(second, 'limit=1000');
        return list.length >= 25 ? list : undefined;
      }, 20_000); // the replay runs after start-up, behind other work on a loaded machine
      expect(events).toHaveLength(25);
      const rawMicros = events.reduce((s, e) => s + (e.costMicros as number), 0);
      expect(rawMicros).toBeGreaterThan(0);

      const usage = (await (await fetch(`${second.url}/admin/v1/usage?groupBy=team,model,repo`, admin(second.adminToken))).json()) as {
        rows: { team: string; repo: string; requests: number }[];
        totals: { requests: number; costMicros: number };
      };
      expect(usage.totals).toMatchObject({ requests: 25, costMicros: rawMicros });
      expect(usage.rows.map((r) => r.repo)).toEqual(['web']);

      const csv = await (await fetch(`${second.url}/admin/v1/usage/export?format=focus-csv`, admin(second.adminToken))).text();
      expect(csvColumn(csv, 'BilledCost').reduce((s, v) => s + (parseUsdToMicros(v) as number), 0)).toBe(rawMicros);

      const cli = await runGantry(['usage', '--by', 'model', '-o', 'json'], { GANTRY_URL: second.url, GANTRY_TOKEN: second.adminToken });
      expect(cli.code, cli.output).toBe(0);
      expect(JSON.parse(cli.output).totals.costMicros).toBe(rawMicros);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
