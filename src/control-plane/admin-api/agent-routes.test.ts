import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import { parseUsdToMicros } from '../../kernel/money.js';
import type { UsageEvent } from '../../kernel/types.js';
import { usageEvent } from '../../storage/contract/usage-event.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import type { DriftFinding, DriftQuery } from '../../storage/ports/drift-store.js';
import { openSqlite } from '../../storage/sqlite/database.js';
import { createSqliteLedgerStore } from '../../storage/sqlite/ledger-store.js';

const NOW = Date.now();
const H = 3_600_000;
const D = 24 * H;

const EXTRA = `
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: large}
spec: {provider: sim, pricing: {inputPer1M: "1.00", outputPer1M: "4.00"}}
---
apiVersion: gantry/v1alpha1
kind: User
metadata: {name: bea}
spec: {email: bea@example.com, teams: [{team: team-b, role: developer}]}
---
apiVersion: gantry/v1alpha1
kind: Agent
metadata: {name: helper-bot, labels: {env: prod}}
spec:
  owner: team-a
  sponsor: alice
  description: Answers support questions.
  lifecycle: active
  models: [small]
  tools: [demo__echo, demo__add]
---
apiVersion: gantry/v1alpha1
kind: Agent
metadata: {name: draft-bot}
spec: {owner: team-a, models: [large]}
`;

let seq = 0;
const ev = (o: Partial<UsageEvent>): UsageEvent => usageEvent({ requestId: `ev-${++seq}`, user: undefined, run: undefined, tags: {}, provider: 'sim', ...o });
const times = (n: number, f: (i: number) => Partial<UsageEvent>) => Array.from({ length: n }, (_, i) => ev(f(i)));

const EVENTS: UsageEvent[] = [
  ...times(20, (i) => ({ agent: 'helper-bot', model: 'small', ts: NOW - (1 + (i % 3)) * H - 60_000, costMicros: 100 + i, status: i % 5 === 0 ? 500 : 200 })),
  ...times(3, () => ({ agent: 'helper-bot', model: 'large', ts: NOW - 4 * H, costMicros: 1000 })),
  ...times(6, () => ({ agent: 'helper-bot', endpoint: 'mcp', model: 'demo__echo', provider: 'mcp:demo', route: 'demo', ts: NOW - 2 * H, costMicros: 10 })),
  ...times(2, () => ({ agent: 'helper-bot', endpoint: 'mcp', model: 'demo__add', provider: 'mcp:demo', route: 'demo', ts: NOW - 2 * H, costMicros: 0, status: 502 })),
  ...times(5, () => ({ agent: 'helper-bot', model: 'small', ts: NOW - 10 * D, costMicros: 7 })),
  ...times(4, () => ({ agent: 'ghost', model: 'small', ts: NOW - 2 * D, costMicros: 50 })),
  ...times(7, () => ({ team: 'team-b', agent: 'bot-b', model: 'small', ts: NOW - 3 * H, costMicros: 30 })),
  ...times(2, () => ({ team: 'team-b', agent: 'shadow-b', model: 'large', ts: NOW - 5 * H, costMicros: 400, status: 429 })),
  ...times(10, () => ({ agent: undefined, model: 'small', ts: NOW - H, costMicros: 5 })),
];

const FINDINGS: DriftFinding[] = [
  { agent: 'helper-bot', team: 'team-a', kind: 'undeclared_model', item: 'large', firstSeen: NOW - 4 * H, lastSeen: NOW - 4 * H, count: 3 },
  { agent: 'ghost', team: 'team-a', kind: 'unregistered_agent', item: '', firstSeen: NOW - 2 * D, lastSeen: NOW - 2 * D, count: 4 },
  { agent: 'drifty', team: 'team-a', kind: 'unregistered_agent', item: '', firstSeen: NOW - D, lastSeen: NOW - D, count: 1 },
  { agent: 'shadow-b', team: 'team-b', kind: 'unregistered_agent', item: '', firstSeen: NOW - 5 * H, lastSeen: NOW - 5 * H, count: 2 },
  { agent: 'helper-bot', team: 'team-a', kind: 'undeclared_tool', item: 'demo__rm', firstSeen: NOW - 20 * D, lastSeen: NOW - 20 * D, count: 1 },
];

/** The DriftStore port's list semantics over a fixed set of findings. */
const drift = {
  async list(q: DriftQuery): Promise<DriftFinding[]> {
    return FINDINGS.filter((f) => f.lastSeen >= q.since && (!q.agents || q.agents.includes(f.agent)) && (!q.teams || q.teams.includes(f.team)))
      .sort((a, b) => b.lastSeen - a.lastSeen)
      .slice(0, q.limit ?? 1000);
  },
};

/** Ground truth from the raw events. */
function expected(agent: string, days: number) {
  const list = EVENTS.filter((e) => e.agent === agent && e.ts >= NOW - days * D);
  const sum = (l: UsageEvent[]) => ({ requests: l.length, errors: l.filter((e) => e.status >= 400).length, costMicros: l.reduce((s, e) => s + e.costMicros, 0) });
  return { all: sum(list), models: sum(list.filter((e) => !e.provider?.startsWith('mcp:'))), tools: sum(list.filter((e) => e.provider?.startsWith('mcp:'))), newest: Math.max(...list.map((e) => e.ts)) };
}

interface Item {
  name: string;
  registered: boolean;
  requests: number;
  errors: number;
  spendMicros: number;
  [k: string]: unknown;
}
const names = (body: { items: Item[] }) => body.items.map((i) => i.name);

describe('agent registry API', () => {
  let cp: InProcessControlPlane;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const ledger = createSqliteLedgerStore(openSqlite(join(mkdtempSync(join(tmpdir(), 'gantry-agents-api-')), 'gantry.db')));
    await ledger.appendBatch(EVENTS);
    cp = await startControlPlane(createMemoryResourceStore(), ledger, { drift, publicUrl: () => 'https://gantry.example.com' });
    const yaml = readFileSync(new URL('../../../test/fixtures/rbac.yaml', import.meta.url), 'utf8') + EXTRA;
    const applied = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, yaml);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    for (const user of ['alice', 'dave', 'fiona', 'audrey', 'bea']) {
      const r = await cp.call('POST', `/users/${user}/tokens`, TEST_ADMIN_TOKEN, { ttlHours: 1 });
      tokens.set(user, r.body.token);
    }
  });
  afterAll(() => cp.close());

  it('discovers agents by team, lifecycle, declared model and declared tool', async () => {
    const list = async (query: string, token = TEST_ADMIN_TOKEN) => {
      const r = await cp.call('GET', `/agents?${query}`, token);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    };
    expect(await list('')).toEqual(['bot-b', 'draft-bot', 'helper-bot']);
    expect(await list('team=team-a')).toEqual(['draft-bot', 'helper-bot']);
    expect(await list('lifecycle=active')).toEqual(['bot-b', 'helper-bot']);
    expect(await list('lifecycle=proposed')).toEqual(['draft-bot']);
    expect(await list('model=large')).toEqual(['draft-bot']);
    expect(await list('tool=demo__echo&team=team-a')).toEqual(['helper-bot']);
    expect(await list('tool=demo__echo&team=team-b')).toEqual([]);
    expect(await list('', tokens.get('bea'))).toEqual(['bot-b']);
    expect(await list('lifecycle=active', tokens.get('fiona'))).toEqual(['bot-b', 'helper-bot']);
    const bad = await cp.call('GET', '/agents?lifecycle=paused', TEST_ADMIN_TOKEN);
    expect(bad.body.error).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'lifecycle' });
    const other = await cp.call('GET', '/agents?team=team-b', tokens.get('dave'));
    expect(other.status).toBe(403);
    expect(other.body.error).toMatchObject({ code: 'GW_FORBIDDEN', param: 'team' });
  });

  it('inventories what each agent used in the window: models vs tools, spend, errors, last seen, drift, shadow agents', async () => {
    const r = await cp.call('GET', '/agents/inventory?days=7', TEST_ADMIN_TOKEN);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ kind: 'AgentInventory', days: 7, driftAvailable: true, truncated: false });
    expect(names(r.body)).toEqual(['bot-b', 'draft-bot', 'drifty', 'ghost', 'helper-bot', 'shadow-b']);
    const helper = r.body.items.find((i: Item) => i.name === 'helper-bot');
    const want = expected('helper-bot', 7);
    expect(helper).toMatchObject({
      registered: true,
      owner: 'team-a',
      teams: ['team-a'],
      sponsor: 'alice',
      lifecycle: 'active',
      declared: { models: ['small'], tools: ['demo__echo', 'demo__add'] },
      requests: want.all.requests,
      errors: want.all.errors,
      spendMicros: want.all.costMicros,
    });
    expect(parseUsdToMicros(helper.spendUsd)).toBe(want.all.costMicros);
    expect(helper.errorRate).toBe(Math.round((want.all.errors / want.all.requests) * 10_000) / 10_000);
    expect(helper.models.map((m: { name: string }) => m.name).sort()).toEqual(['large', 'small']);
    expect(helper.models.reduce((s: number, m: { costMicros: number }) => s + m.costMicros, 0)).toBe(want.models.costMicros);
    expect(helper.models.reduce((s: number, m: { requests: number }) => s + m.requests, 0)).toBe(want.models.requests);
    expect(helper.tools).toEqual([
      { name: 'demo__echo', server: 'demo', requests: 6, errors: 0, costMicros: 60, costUsd: '0.000060' },
      { name: 'demo__add', server: 'demo', requests: 2, errors: 2, costMicros: 0, costUsd: '0.000000' },
    ]);
    expect(want.tools).toEqual({ requests: 8, errors: 2, costMicros: 60 });
    // Never touched by the data plane here: the newest hour of its events.
    expect(helper.lastSeen).toBe(new Date(Math.floor(want.newest / H) * H).toISOString());
    // The 20-day-old finding is outside the window.
    expect(helper.drift).toEqual([{ kind: 'undeclared_model', item: 'large', team: 'team-a', count: 3, firstSeen: new Date(NOW - 4 * H).toISOString(), lastSeen: new Date(NOW - 4 * H).toISOString() }]);

    const draft = r.body.items.find((i: Item) => i.name === 'draft-bot');
    expect(draft).toMatchObject({ registered: true, lifecycle: 'proposed', requests: 0, spendMicros: 0, spendUsd: '0.000000', lastSeen: null, errorRate: 0, drift: [] });
    const ghost = r.body.items.find((i: Item) => i.name === 'ghost');
    expect(ghost).toMatchObject({ registered: false, owner: null, teams: ['team-a'], lifecycle: null, requests: 4, spendMicros: 200, declared: { models: null, tools: null } });
    expect(ghost.drift).toEqual([expect.objectContaining({ kind: 'unregistered_agent', item: null, count: 4 })]);
    // Seen only by the drift detector (its requests refused, say): still listed as shadow AI.
    expect(r.body.items.find((i: Item) => i.name === 'drifty')).toMatchObject({ registered: false, requests: 0, teams: [], lastSeen: new Date(NOW - D).toISOString() });
    // The finding's exact time beats the start of the newest hour bucket.
    expect(ghost.lastSeen).toBe(new Date(NOW - 2 * D).toISOString());
    expect(r.body.items.find((i: Item) => i.name === 'shadow-b')).toMatchObject({ registered: false, teams: ['team-b'], requests: 2, errors: 2, errorRate: 1, spendMicros: 800 });

    // A longer window takes in the older events.
    const month = await cp.call('GET', '/agents/inventory?days=30&agent=helper-bot', TEST_ADMIN_TOKEN);
    expect(names(month.body)).toEqual(['helper-bot']);
    expect(month.body.items[0]).toMatchObject({ requests: expected('helper-bot', 30).all.requests, spendMicros: expected('helper-bot', 30).all.costMicros });
    expect(month.body.items[0].drift).toHaveLength(2);
  });

  it('uses the last-seen time the data plane recorded for a registered agent', async () => {
    const at = NOW - 90_000;
    await cp.store.touch('Agent', [{ name: 'helper-bot', at }]);
    const r = await cp.call('GET', '/agents/helper-bot/inventory', tokens.get('dave'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.item).toMatchObject({ name: 'helper-bot', lastSeen: new Date(at).toISOString(), requests: expected('helper-bot', 7).all.requests });
  });

  it('shows team members their own teams only, shadow agents included; auditors get nothing', async () => {
    const as = async (user: string, query = '') => cp.call('GET', `/agents/inventory${query}`, tokens.get(user));
    expect(names((await as('dave')).body)).toEqual(['draft-bot', 'drifty', 'ghost', 'helper-bot']);
    expect(names((await as('bea')).body)).toEqual(['bot-b', 'shadow-b']);
    expect(names((await as('fiona')).body)).toEqual(['bot-b', 'draft-bot', 'drifty', 'ghost', 'helper-bot', 'shadow-b']);
    expect(names((await as('fiona', '?team=team-b')).body)).toEqual(['bot-b', 'shadow-b']);
    expect((await as('audrey')).status).toBe(403);
    const other = await as('dave', '?team=team-b');
    expect(other.status).toBe(403);
    expect(other.body.error.param).toBe('team');
    expect((await cp.call('GET', '/agents/bot-b/inventory', tokens.get('dave'))).status).toBe(403);
    expect((await cp.call('GET', '/agents/shadow-b/inventory', tokens.get('dave'))).status).toBe(404);
    const ghost = await cp.call('GET', '/agents/ghost/inventory?days=3', tokens.get('dave'));
    expect(ghost.body).toMatchObject({ days: 3, item: { name: 'ghost', registered: false, requests: 4 } });
    expect((await cp.call('GET', '/agents/ghost/inventory?days=1', tokens.get('dave'))).status).toBe(404);
    expect((await cp.call('GET', '/agents/inventory?days=91', TEST_ADMIN_TOKEN)).body.error).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'days' });
  });

  it('exports an agent as an A2A card and as a Backstage Component', async () => {
    const card = await cp.call('GET', '/agents/helper-bot/card', tokens.get('dave'));
    expect(card.status, JSON.stringify(card.body)).toBe(200);
    expect(card.body).toMatchObject({
      name: 'helper-bot',
      description: 'Answers support questions.',
      url: 'https://gantry.example.com/v1',
      provider: { organization: 'team-a' },
      version: '1',
      capabilities: { streaming: true },
      securitySchemes: { gantryApiKey: { type: 'http', scheme: 'bearer' } },
      'x-gantry': { owner: 'team-a', sponsor: 'alice', lifecycle: 'active', models: ['small'], tools: ['demo__echo', 'demo__add'], labels: { env: 'prod' } },
    });
    expect(card.body.skills.map((s: { id: string; tags: string[] }) => [s.id, s.tags])).toEqual([
      ['demo__echo', ['demo']],
      ['demo__add', ['demo']],
    ]);

    const res = await fetch(`${cp.url}/admin/v1/agents/helper-bot/backstage`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.headers.get('content-type')).toContain('application/yaml');
    const [doc] = parseAllDocuments(await res.text()).map((d) => d.toJS());
    expect(doc).toMatchObject({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'helper-bot', annotations: { 'gantry.dev/agent': 'helper-bot', 'gantry.dev/owner-team': 'team-a', 'gantry.dev/lifecycle': 'active' } },
      spec: { type: 'ai-agent', lifecycle: 'production', owner: 'group:default/team-a', dependsOn: ['resource:default/small'] },
    });

    expect((await cp.call('GET', '/agents/helper-bot/card', tokens.get('bea'))).status).toBe(403);
    expect((await cp.call('GET', '/agents/nobody/backstage', TEST_ADMIN_TOKEN)).body.error.code).toBe('GW_RESOURCE_NOT_FOUND');
  });

  it('exports every agent the caller may read, as catalog YAML or a list of cards', async () => {
    const yamlOf = async (token: string, query = '') => {
      const res = await fetch(`${cp.url}/admin/v1/agents/export?format=backstage${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return parseAllDocuments(await res.text()).map((d) => d.toJS());
    };
    expect((await yamlOf(TEST_ADMIN_TOKEN)).map((e) => [e.metadata.name, e.spec.lifecycle])).toEqual([
      ['bot-b', 'production'],
      ['draft-bot', 'experimental'],
      ['helper-bot', 'production'],
    ]);
    expect((await yamlOf(tokens.get('dave') as string)).map((e) => e.metadata.name)).toEqual(['draft-bot', 'helper-bot']);
    expect((await yamlOf(TEST_ADMIN_TOKEN, '&lifecycle=active&team=team-a')).map((e) => e.metadata.name)).toEqual(['helper-bot']);
    const cards = await cp.call('GET', '/agents/export?format=a2a', tokens.get('bea'));
    expect(cards.body.map((c: { name: string; provider: { organization: string } }) => [c.name, c.provider.organization])).toEqual([['bot-b', 'team-b']]);
    expect((await cp.call('GET', '/agents/export?format=xml', TEST_ADMIN_TOKEN)).body.error).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'format' });
  });
});

describe('agent inventory without a drift store', () => {
  it('answers drift: null rather than an empty list', async () => {
    const cp = await startControlPlane();
    try {
      await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, 'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: t}\nspec: {}\n---\napiVersion: gantry/v1alpha1\nkind: Agent\nmetadata: {name: a}\nspec: {owner: t}\n');
      const r = await cp.call('GET', '/agents/inventory', TEST_ADMIN_TOKEN);
      expect(r.body).toMatchObject({ days: 7, driftAvailable: false, items: [{ name: 'a', registered: true, drift: null }] });
    } finally {
      await cp.close();
    }
  });
});
