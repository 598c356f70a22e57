import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEAM_AND_SIMULATOR_YAML, startInProcessGateway } from '../../test/helpers/in-process-gateway.js';
import { openSqliteResourceStore } from '../storage/sql/sqlite.js';
import type { RunningGateway } from './gateway.js';

// Drift end to end on the real gateway: a key naming an unregistered agent is served, the finding is
// stored and listed by the admin API, and exactly one alert (metric, audit entry, signed webhook)
// follows however many requests. An agent asking for a model outside its declaration is drift too.
const KEY = 'gk_drift_http_test_0000000000000000000';
const ADMIN = 'gat_drift_http_admin_token_0123456';
const SECRET = 'drift-webhook-secret';
const CONFIG = `${DEFAULT_TEAM_AND_SIMULATOR_YAML}---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-small}
spec: {provider: simulator, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-large}
spec: {provider: simulator, pricing: {inputPer1M: "2.50", outputPer1M: "10.00"}}
---
apiVersion: gantry/v1alpha1
kind: Agent
metadata: {name: helper-bot}
spec: {owner: default, lifecycle: active, models: [sim-small]}
`;

interface Finding {
  agent: string;
  team: string;
  kind: string;
  item: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

let dir: string;
const webhooks: { body: string; signature: string }[] = [];
let receiver: Server;
let gateway: RunningGateway;

const admin = async (path: string) => {
  const r = await fetch(`${gateway.url}/admin/v1${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return { status: r.status, body: (await r.json()) as { data: Finding[] } & Record<string, unknown> };
};

const chat = (agent: string, model = 'sim-small') =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-gantry-agent': agent },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });

/** Polls the drift list until a finding matches (findings are written every few seconds). */
async function findingWhere(match: (f: Finding) => boolean): Promise<Finding> {
  for (let i = 0; i < 200; i++) {
    const found = (await admin('/agents/drift?days=1')).body.data.find(match);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no such drift finding');
}

describe('agent drift over HTTP (real gateway)', () => {
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        webhooks.push({ body, signature: String(req.headers['x-gantry-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    ({ gateway, dir } = await startInProcessGateway({
      config: CONFIG,
      key: KEY,
      adminToken: ADMIN,
      env: { GANTRY_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, GANTRY_ALERT_WEBHOOK_SECRET: SECRET },
    }));
  });
  afterAll(async () => {
    await gateway?.close().catch(() => {});
    receiver?.close();
  });

  it('serves an unregistered agent, lists it as drift, alerts once (metric, audit, signed webhook)', async () => {
    for (let i = 0; i < 3; i++) expect((await chat('shadow-bot')).status).toBe(200);
    const first = await findingWhere((f) => f.agent === 'shadow-bot' && f.count === 3);
    expect(first).toEqual(expect.objectContaining({ agent: 'shadow-bot', team: 'default', kind: 'unregistered_agent', item: null }));
    // More traffic from the same shadow agent: counted, but no second alert today.
    for (let i = 0; i < 4; i++) expect((await chat('shadow-bot')).status).toBe(200);
    await findingWhere((f) => f.agent === 'shadow-bot' && f.count === 7);

    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/gantry_agent_drift_total\{kind="unregistered_agent"\} 7\b/);
    expect(metrics).toMatch(/gantry_alerts_total\{type="agent_drift",subject="agent:shadow-bot"\} 1\b/);
  });

  it('reports a registered agent asking for a model outside its declaration', async () => {
    const refused = await chat('helper-bot', 'sim-large');
    expect(refused.status).toBe(403);
    expect((await chat('helper-bot', 'sim-small')).status).toBe(200);
    const found = await findingWhere((f) => f.agent === 'helper-bot');
    expect(found).toEqual(expect.objectContaining({ kind: 'undeclared_model', item: 'sim-large', team: 'default', count: 1 }));
    // Filters: by agent, and the time window.
    const only = (await admin('/agents/drift?agent=helper-bot')).body.data;
    expect(only.map((f) => f.agent)).toEqual(['helper-bot']);
  });

  it('after shutdown: one audit entry and one signed webhook per finding, none for registered traffic', async () => {
    // close() flushes the detector, the audit queue and the webhook queue.
    await gateway.close();
    const store = await openSqliteResourceStore(join(dir, 'gantry.db'));
    const entries = (await store.listAudit(0, 1000)).filter((e) => e.action === 'alert.agent_drift');
    await store.close();
    expect(entries.map((e) => [e.kind, e.name, (e.after as { summary: string }).summary]).sort()).toEqual([
      ['Agent', 'helper-bot', 'Agent "helper-bot" (team default) asked for model "sim-large" outside its declaration.'],
      ['Agent', 'shadow-bot', 'Unregistered agent "shadow-bot" seen in traffic of team default.'],
    ]);
    const drift = webhooks.map((w) => ({ ...w, json: JSON.parse(w.body) as { type: string; subject: string; id: string } })).filter((w) => w.json.type === 'agent_drift');
    expect(drift.map((w) => w.json.subject).sort()).toEqual(['agent:helper-bot', 'agent:shadow-bot']);
    for (const w of drift) {
      const [t, v1] = w.signature.split(',').map((p) => p.slice(p.indexOf('=') + 1));
      expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${w.body}`).digest('hex'));
    }
  });
});
