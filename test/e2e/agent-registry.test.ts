import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { adminCli } from './helpers/mcp-client.js';
import { ADMIN_TOKEN, eventually, type RunningGantry } from './helpers/processes.js';
import { createSupportKey, sdkChat, startSupportTeam } from './helpers/support-team.js';

/** The agent registry end to end: real traffic → inventory, shadow agents, `gantry get agents`, exports. */
let g: RunningGantry;
const cli = (...args: string[]) => adminCli(g, ...args);
const chat = async (key: string, model: string, headers: Record<string, string> = {}) => (await sdkChat(g, key, model, headers)).status;
const createKey = async (...flags: string[]) => (await createSupportKey(g, ...flags)).key;

interface Entry {
  name: string;
  registered: boolean;
  requests: number;
  errors: number;
  spendMicros: number;
  lastSeen: string | null;
  models: { name: string; requests: number }[];
}

beforeAll(async () => {
  g = await startSupportTeam(`apiVersion: gantry/v1alpha1
kind: Agent
metadata: {name: helper-bot, labels: {tier: "1"}}
spec: {owner: support, description: Answers questions., lifecycle: active, models: [sim-small], tools: [demo__echo]}
`);
});
afterAll(() => g?.stop());

describe('agent registry', () => {
  it("inventories an agent's real traffic and a shadow agent named by a team key, and shows them in the CLI", async () => {
    const agentKey = await createKey('--agent', 'helper-bot');
    const teamKey = await createKey();
    for (let i = 0; i < 3; i++) expect(await chat(agentKey, 'sim-small')).toBe(200);
    expect(await chat(agentKey, 'sim-large')).toBe(403);
    expect(await chat(teamKey, 'sim-small', { 'x-gantry-agent': 'notebook-experiment' })).toBe(200);

    const inventory = await eventually(async () => {
      const r = await cli('agents', 'inventory', '-o', 'json');
      const body = JSON.parse(r.output) as { items: Entry[] };
      const helper = body.items.find((i) => i.name === 'helper-bot');
      const done = helper?.models.some((m) => m.name === 'sim-small' && m.requests === 3) && body.items.some((i) => i.name === 'notebook-experiment');
      return done ? body : undefined;
    });
    const helper = inventory.items.find((i) => i.name === 'helper-bot') as Entry;
    // The refused call is in the ledger too (an error); the spend is what the ledger metered.
    const usage = await fetch(`${g.url}/admin/v1/usage?groupBy=agent&agent=helper-bot&from=${Date.now() - 3_600_000}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const totals = ((await usage.json()) as { totals: { requests: number; errors: number; costMicros: number } }).totals;
    expect(helper).toMatchObject({ registered: true, requests: totals.requests, errors: totals.errors, spendMicros: totals.costMicros });
    expect(helper.spendMicros).toBeGreaterThan(0);
    expect(inventory.items.find((i) => i.name === 'notebook-experiment')).toMatchObject({ registered: false, requests: 1 });

    const table = await cli('get', 'agents');
    expect(table.output).toMatch(new RegExp(`helper-bot\\s+support\\s+active\\s+-\\s+\\$\\S+\\s+${totals.requests}\\s`));
    const list = await cli('agents', 'inventory');
    expect(list.output).toMatch(/notebook-experiment\s+no\s+support\s+-\s+sim-small/);
  });

  it('exports the agent as an A2A card and a Backstage catalog file', async () => {
    const card = await cli('agents', 'card', 'helper-bot');
    expect(card.code, card.output).toBe(0);
    expect(JSON.parse(card.output)).toMatchObject({ name: 'helper-bot', url: `${g.url}/v1`, skills: [{ id: 'demo__echo' }], 'x-gantry': { owner: 'support' } });
    const all = await cli('agents', 'export', '--all', '--format', 'backstage');
    expect(all.code, all.output).toBe(0);
    const docs = parseAllDocuments(all.output).map((d) => d.toJS());
    expect(docs).toEqual([expect.objectContaining({ kind: 'Component', spec: expect.objectContaining({ type: 'ai-agent', lifecycle: 'production', owner: 'group:default/support' }) })]);
  });
});
