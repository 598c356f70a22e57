import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry } from './helpers/processes.js';

/**
 * examples/budgets/gantry.yaml as a user runs it: team-b's sixth request in a minute is rate
 * limited; team-a spends its hard budget and is then refused naming it; the budget's thresholds
 * reach a signed webhook and the audit log; the usage API agrees with the usage events.
 */
const EXAMPLE = readFileSync(resolve(import.meta.dirname, '../../examples/budgets/gantry.yaml'), 'utf8');
const SECRET = 'whsec_e2e_0123456789';
const LIMIT_MICROS = 50_000;

interface Hook {
  readonly body: string;
  readonly signature: string;
  readonly id: string;
}

describe('examples/budgets/gantry.yaml', () => {
  let g: RunningGantry;
  let hookServer: Server;
  const hooks: Hook[] = [];
  const admin = (path: string) => fetch(`${g.url}/admin/v1${path}`, { headers: { authorization: `Bearer ${g.adminToken}` } });
  const keyOf = (name: string) => readFileSync(join(g.dataDir, 'generated-keys', `${name}.key`), 'utf8').trim();

  beforeAll(async () => {
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        hooks.push({ body, signature: String(req.headers['x-gantry-signature'] ?? ''), id: String(req.headers['x-gantry-alert-id'] ?? '') });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hooks/gantry`;
    g = await startGantry({ config: EXAMPLE, env: { GANTRY_ALERT_WEBHOOK_URL: hookUrl, GANTRY_ALERT_WEBHOOK_SECRET: SECRET } });
  }, 30_000);
  afterAll(async () => {
    await g?.stop();
    hookServer?.close();
  });

  it("team-b's sixth request in a minute gets 429 GW_RATE_LIMITED with retry-after and x-ratelimit headers", async () => {
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: keyOf('team-b-key'), maxRetries: 0 });
    for (let i = 0; i < 5; i++) {
      const { response } = await client.chat.completions.create({ model: 'sim-small', max_tokens: 5, messages: [{ role: 'user', content: `hi ${i}` }] }).withResponse();
      expect(response.headers.get('x-ratelimit-limit-requests')).toBe('5');
      expect(response.headers.get('x-ratelimit-remaining-requests')).toBe(String(4 - i));
    }
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyOf('team-b-key')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-small', max_tokens: 5, messages: [{ role: 'user', content: 'one too many' }] }),
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    expect(body.error).toMatchObject({ code: 'GW_RATE_LIMITED', type: 'rate_limit_error' });
    expect(body.error.message).toContain('"team-b-rpm" allows 5 requests per minute');
  });

  it("team-a spends its $0.05 hard budget, never more, then gets 429 insufficient_quota naming it; alerts are signed and audited", async () => {
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: keyOf('team-a-key'), maxRetries: 0 });
    // A page-long prompt: a few hundred such sim-small requests exhaust five cents.
    const prompt = 'Summarise our quarterly platform costs by team, with reasons. '.repeat(60);
    let refusal: { code?: string; type?: string; message: string; status?: number } | undefined;
    let served = 0;
    // Batches of 16 until a whole batch is refused. Under concurrency a refusal may come while money is
    // only held by requests in flight, so keep going while any request of a batch is served.
    for (let i = 0, servedInBatch = 1; servedInBatch > 0 && i < 4_000; i += 16) {
      const batch = await Promise.allSettled(Array.from({ length: 16 }, (_, j) => client.chat.completions.create({ model: 'sim-small', max_tokens: 20, messages: [{ role: 'user', content: `${i + j} ${prompt}` }] })));
      servedInBatch = batch.filter((r) => r.status === 'fulfilled').length;
      served += servedInBatch;
    }
    // Nothing in flight now: the last refusal says the budget is spent, not held.
    await client.chat.completions.create({ model: 'sim-small', max_tokens: 20, messages: [{ role: 'user', content: prompt }] }).catch((err: unknown) => {
      refusal = err as typeof refusal;
    });
    expect(served).toBeGreaterThan(100);
    expect(served).toBeLessThan(1_000);
    expect(refusal).toMatchObject({ status: 429, code: 'GW_BUDGET_EXHAUSTED', type: 'insufficient_quota' });
    expect(refusal?.message).toMatch(/^(429 )?Budget "team-a-monthly" \(monthly \d{4}-\d{2}\): \$0\.0\d{5} of \$0\.050000 spent, \$0\.000000 held by requests in flight; this request needs up to \$0\.\d{6}\. You can ask for a lower max_tokens\. The budget resets at /);

    // The usage API (from rollups) agrees with the raw events, and the spend is within the limit.
    const usage = await eventually(async () => {
      const res = await admin(`/usage?groupBy=team&team=team-a&from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`);
      const u = (await res.json()) as { rows: Array<{ requests: number; costMicros: number }>; totals: { requests: number; costMicros: number } };
      return u.totals.requests >= served ? u : undefined;
    }, 10_000);
    const events = (await (await admin('/usage/events?limit=1000')).json()) as { data: Array<{ team: string; costMicros: number }> };
    const teamA = events.data.filter((e) => e.team === 'team-a');
    expect(usage.totals.costMicros).toBe(teamA.reduce((s, e) => s + e.costMicros, 0));
    expect(usage.totals.costMicros).toBeLessThanOrEqual(LIMIT_MICROS);
    expect(usage.totals.costMicros).toBeGreaterThan(LIMIT_MICROS * 0.9);

    // Thresholds 50, 80 and 100 %: each reached the webhook once, signed with the shared secret.
    const budgetHooks = await eventually(async () => {
      const h = hooks.filter((x) => x.id.startsWith('budget:team-a-monthly:'));
      return h.length >= 2 ? h : undefined;
    }, 10_000);
    for (const h of budgetHooks) {
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(h.signature);
      expect(m).not.toBeNull();
      expect(m?.[2]).toBe(createHmac('sha256', SECRET).update(`${m?.[1]}.${h.body}`).digest('hex'));
      expect(JSON.parse(h.body)).toMatchObject({ type: 'budget_threshold', subject: 'team-a-monthly', enforcement: 'hard' });
    }
    expect(new Set(budgetHooks.map((h) => h.id)).size).toBe(budgetHooks.length);
    expect(budgetHooks.map((h) => JSON.parse(h.body).thresholdPercent)).toEqual(expect.arrayContaining([50, 80]));
    const audit = await eventually(async () => {
      const a = (await (await admin('/audit?limit=1000')).json()) as { items: Array<{ action: string; name?: string }> };
      const alerts = a.items.filter((e) => e.action === 'alert.budget_threshold');
      return alerts.length >= 2 ? alerts : undefined;
    }, 10_000);
    expect(audit.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
