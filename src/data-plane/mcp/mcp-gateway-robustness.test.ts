import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Principal } from '../../kernel/types.js';
import type { McpToolInfo } from '../../mcp/contract.js';
import type { CompiledBudget, CompiledRateLimit } from '../snapshot.js';
import { compiledMcpServer, type FakeUpstream, fakeUpstream } from './fixtures/fake-upstream.js';
import { agent, startTestGateway, type TestGateway } from './fixtures/test-gateway.js';

const BOT_KEY = 'gk_mcp_bot_key_00000000000000000000000';
const TEAM_KEY = 'gk_mcp_team_key_0000000000000000000000';
const KEYS: Record<string, Principal> = {
  [BOT_KEY]: { keyId: 'key_bot', keyName: 'bot-key', team: 'team-a', agent: 'helper-bot' },
  [TEAM_KEY]: { keyId: 'key_team', keyName: 'team-key', team: 'team-a' },
};

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function setup(o: { budgets?: CompiledBudget[]; rateLimits?: CompiledRateLimit[]; perCallMicros?: number }, demo: FakeUpstream = fakeUpstream('demo', ['echo'])): Promise<TestGateway> {
  gateway = await startTestGateway({
    servers: [compiledMcpServer(demo, { perCallMicros: o.perCallMicros ?? 0 })],
    agents: [agent('helper-bot', ['demo__echo'])],
    keys: KEYS,
    budgets: o.budgets,
    rateLimits: o.rateLimits,
  });
  return gateway;
}

/** One raw tools/call over HTTP (what a client that may hang up sends). */
const postCall = (gw: TestGateway, id: number, signal?: AbortSignal) =>
  fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BOT_KEY}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'demo__echo', arguments: { text: String(id) } } }),
    signal,
  });

/** Nothing held once every request ended: no reservation, no concurrency slot, no money in flight. */
function expectNothingHeld(gw: TestGateway): void {
  expect(gw.counters.reservations.size).toBe(0);
  expect([...gw.counters.slots.values()].filter((n) => n > 0)).toEqual([]);
  expect([...gw.counters.budgets.values()].map((b) => b.reserved).filter((n) => n !== 0)).toEqual([]);
}

/** An upstream whose calls wait until release(); counts the calls running at once. */
function gatedUpstream() {
  const demo = fakeUpstream('demo', ['echo']);
  const answer = demo.callTool.bind(demo);
  const gates: Array<() => void> = [];
  let running = 0;
  let most = 0;
  demo.callTool = async (name, args, options) => {
    running++;
    most = Math.max(most, running);
    await new Promise<void>((r) => gates.push(r));
    running--;
    return answer(name, args, options);
  };
  const release = () => {
    for (const open of gates.splice(0)) open();
  };
  return { demo, waiting: () => gates.length, release, most: () => most };
}

describe('tool calls under concurrency', () => {
  it('never overspends a budget: 12 parallel calls against a budget for 4 charge exactly 4 prices', async () => {
    const gated = gatedUpstream();
    const budget: CompiledBudget = { name: 'bot-tools', scope: { agent: 'helper-bot' }, perRun: false, window: 'total', limitMicros: 1_000_000, hard: true, alerts: [], failClosed: true };
    const gw = await setup({ budgets: [budget], perCallMicros: 250_000 }, gated.demo);
    const answers = Array.from({ length: 12 }, (_, i) => postCall(gw, i).then((r) => r.json() as Promise<{ result?: unknown; error?: { data: { code: string } } }>));
    // The four admitted calls are all in flight before any finishes: the holds, not the spend, refuse the rest.
    await vi.waitFor(() => expect(gw.events.length + gated.waiting()).toBe(12));
    gated.release();
    const bodies = await Promise.all(answers);
    expect(bodies.filter((b) => b.result !== undefined)).toHaveLength(4);
    expect(bodies.filter((b) => b.error?.data.code === 'GW_BUDGET_EXHAUSTED')).toHaveLength(8);
    expect(gated.demo.calls).toHaveLength(4);
    await vi.waitFor(() => expect(gw.inFlight()).toBe(0));
    expect(gw.events).toHaveLength(12);
    expect(gw.events.reduce((sum, e) => sum + e.costMicros, 0)).toBe(1_000_000);
    expect([...gw.counters.budgets.values()].map((b) => b.committed)).toEqual([1_000_000]);
    expectNothingHeld(gw);
  });

  it('holds a concurrency slot per call in flight and gives every slot back', async () => {
    const gated = gatedUpstream();
    const rateLimit: CompiledRateLimit = { name: 'bot-2', scope: { agent: 'helper-bot' }, per: undefined, requestsPerMinute: undefined, tokensPerMinute: undefined, concurrent: 2, failClosed: true };
    const gw = await setup({ rateLimits: [rateLimit] }, gated.demo);
    const answers = Array.from({ length: 6 }, (_, i) => postCall(gw, i).then((r) => r.json() as Promise<{ result?: unknown; error?: { data: { code: string } } }>));
    await vi.waitFor(() => expect(gw.events.length + gated.waiting()).toBe(6));
    gated.release();
    const bodies = await Promise.all(answers);
    expect(bodies.filter((b) => b.result !== undefined)).toHaveLength(2);
    expect(bodies.filter((b) => b.error?.data.code === 'GW_RATE_LIMITED')).toHaveLength(4);
    expect(gated.most()).toBe(2);
    await vi.waitFor(() => expect(gw.inFlight()).toBe(0));
    expectNothingHeld(gw);
    // The slots are free again: two more calls run side by side.
    const again = [postCall(gw, 7), postCall(gw, 8)].map((p) => p.then((r) => r.json() as Promise<{ result?: unknown }>));
    await vi.waitFor(() => expect(gated.waiting()).toBe(2));
    gated.release();
    expect((await Promise.all(again)).every((b) => b.result !== undefined)).toBe(true);
  });

  it('gives the slot and the hold back when the client hangs up mid-call (one event, $0)', async () => {
    const demo = fakeUpstream('demo', ['echo']);
    demo.behaviour = 'hang';
    const rateLimit: CompiledRateLimit = { name: 'bot-1', scope: { agent: 'helper-bot' }, per: undefined, requestsPerMinute: undefined, tokensPerMinute: undefined, concurrent: 1, failClosed: true };
    const budget: CompiledBudget = { name: 'bot-tools', scope: { agent: 'helper-bot' }, perRun: false, window: 'total', limitMicros: 100_000, hard: true, alerts: [], failClosed: true };
    const gw = await setup({ rateLimits: [rateLimit], budgets: [budget], perCallMicros: 100_000 }, demo);
    const hangUp = new AbortController();
    const answered = postCall(gw, 1, hangUp.signal).catch(() => undefined);
    await vi.waitFor(() => expect(demo.calls).toHaveLength(1));
    hangUp.abort();
    await answered;
    await vi.waitFor(() => expect(gw.inFlight()).toBe(0));
    expect(gw.events).toMatchObject([{ outcome: 'client_aborted', costMicros: 0 }]);
    expectNothingHeld(gw);
    demo.behaviour = 'answer';
    expect(await (await postCall(gw, 2)).json()).toMatchObject({ result: { content: [{ type: 'text', text: 'echo:2' }] } });
  });

  it('neither calls, admits nor meters a tool when the client hangs up while its server is being listed', async () => {
    const demo = fakeUpstream('demo', ['echo']);
    let listed: (tools: McpToolInfo[]) => void = () => undefined;
    demo.listTools = () => new Promise((r) => (listed = r));
    const rateLimit: CompiledRateLimit = { name: 'bot-1', scope: { agent: 'helper-bot' }, per: undefined, requestsPerMinute: undefined, tokensPerMinute: undefined, concurrent: 1, failClosed: true };
    const gw = await setup({ rateLimits: [rateLimit], perCallMicros: 100_000 }, demo);
    const hangUp = new AbortController();
    const answered = postCall(gw, 1, hangUp.signal).catch(() => undefined);
    await vi.waitFor(() => expect(gw.inFlight()).toBe(1));
    hangUp.abort();
    await answered;
    await vi.waitFor(() => expect(gw.inFlight()).toBe(0));
    listed([{ name: 'echo', inputSchema: { type: 'object' } }]);
    expect(demo.calls).toHaveLength(0);
    expect(gw.events).toHaveLength(0);
    expectNothingHeld(gw);
  });
});

describe('tool calls under load', () => {
  it('2,000 sequential calls: one event each, nothing held, no timers or handles left behind', async () => {
    const gw = await setup({ perCallMicros: 7 });
    const client = await gw.connect(BOT_KEY);
    await client.callTool({ name: 'demo__echo', arguments: { text: 'warm' } });
    const resources = () => process.getActiveResourcesInfo();
    const timers = () => resources().filter((r) => r === 'Timeout').length;
    const before = { all: resources().length, timers: timers() };
    for (let i = 0; i < 2_000; i++) await client.callTool({ name: 'demo__echo', arguments: { text: String(i) } });
    await vi.waitFor(() => expect(gw.inFlight()).toBe(0));
    expect(gw.events).toHaveLength(2_001);
    expect(gw.events.reduce((sum, e) => sum + e.costMicros, 0)).toBe(2_001 * 7);
    expectNothingHeld(gw);
    // A keep-alive socket may be replaced by another; nothing grows with the number of calls.
    expect(timers()).toBeLessThanOrEqual(before.timers);
    expect(resources().length).toBeLessThanOrEqual(before.all + 1);
  }, 60_000);
});

describe('names chosen by the client', () => {
  const callError = async (gw: TestGateway, key: string, name: string, headers: Record<string, string> = {}) => {
    const client = await gw.connect(key, headers);
    return client.callTool({ name, arguments: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
  };

  it('while a server cannot list its tools, an undeclared name is refused unmetered and raises no drift; a declared tool still goes ahead', async () => {
    const demo = fakeUpstream('demo', ['echo']);
    demo.listDown = true;
    const gw = await setup({ perCallMicros: 100_000 }, demo);
    for (const name of ['demo__made_up_1', 'demo__made_up_2']) {
      expect(await callError(gw, BOT_KEY, name)).toMatchObject({ data: { code: 'GW_MCP_UPSTREAM_UNAVAILABLE' } });
    }
    expect(gw.events).toEqual([]);
    expect(gw.drift).toEqual([]);
    expect(demo.calls).toEqual([]);
    const client = await gw.connect(BOT_KEY);
    expect((await client.callTool({ name: 'demo__echo', arguments: { text: 'up' } })).content).toEqual([{ type: 'text', text: 'echo:up' }]);
    expect(gw.events).toMatchObject([{ model: 'demo__echo', status: 200, costMicros: 100_000 }]);
  });

  it('reports undeclared_tool for registered agents only, not for any name sent in x-gantry-agent', async () => {
    const gw = await setup({});
    expect(await callError(gw, TEAM_KEY, 'demo__echo', { 'x-gantry-agent': 'shadow-bot-1' })).toMatchObject({ data: { code: 'GW_TOOL_NOT_ALLOWED' } });
    expect(gw.drift.filter((d) => d.kind === 'undeclared_tool')).toEqual([]);
    // Still metered and audited as a denial.
    expect(gw.events).toMatchObject([{ model: 'demo__echo', errorCode: 'GW_TOOL_NOT_ALLOWED', agent: 'shadow-bot-1' }]);
    expect(gw.toolCalls).toMatchObject([{ outcome: 'denied', code: 'GW_TOOL_NOT_ALLOWED' }]);
  });
});
