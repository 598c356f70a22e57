import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../kernel/types.js';
import type { CompiledGrant } from '../snapshot.js';
import { compiledMcpServer, type FakeUpstream, fakeUpstream } from './fixtures/fake-upstream.js';
import { agent, startTestGateway, type TestGateway, type TestGatewayOptions } from './fixtures/test-gateway.js';

const BOT_KEY = 'gk_mcp_bot_key_00000000000000000000000';
const TEAM_KEY = 'gk_mcp_team_key_0000000000000000000000';
const KEYS: Record<string, Principal> = {
  [BOT_KEY]: { keyId: 'key_bot', keyName: 'bot-key', team: 'team-a', agent: 'helper-bot' },
  [TEAM_KEY]: { keyId: 'key_team', keyName: 'team-key', team: 'team-a' },
};
const HELPER_TOOLS = ['demo__echo', 'demo__add', 'files__read', 'files__write'];

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

interface Setup {
  demo: FakeUpstream;
  files: FakeUpstream;
  gw: TestGateway;
}

/** Two servers: demo (echo, add, delete_everything) and files (read, write; only read exposed). */
async function setup(over: Partial<TestGatewayOptions> = {}, demoOver: Parameters<typeof compiledMcpServer>[1] = {}): Promise<Setup> {
  const demo = fakeUpstream('demo', ['echo', 'add', 'delete_everything']);
  const files = fakeUpstream('files', ['read', 'write']);
  gateway = await startTestGateway({
    servers: [compiledMcpServer(demo, demoOver), compiledMcpServer(files, { allow: new Set(['read']) })],
    agents: [agent('helper-bot', HELPER_TOOLS)],
    keys: KEYS,
    ...over,
  });
  return { demo, files, gw: gateway };
}

const names = async (gw: TestGateway, key: string, headers: Record<string, string> = {}, path = '/mcp') => {
  const client = await gw.connect(key, headers, path);
  return (await client.listTools()).tools.map((t) => t.name).sort();
};

/** The McpError a call fails with (code and Gantry's data). */
async function callError(gw: TestGateway, key: string, tool: string, headers: Record<string, string> = {}): Promise<McpError> {
  const client = await gw.connect(key, headers);
  const err = await client.callTool({ name: tool, arguments: { text: 'x' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

const grant = (over: Partial<CompiledGrant>): CompiledGrant => ({
  name: 'incident-42',
  team: 'team-a',
  agent: undefined,
  user: undefined,
  apiKey: undefined,
  action: 'call_tool',
  resource: 'demo__delete_everything',
  from: Date.now() - 60_000,
  until: Date.now() + 60_000,
  ...over,
});

describe('tools/list', () => {
  it('lists exactly the tools the agent declared and the servers expose, namespaced on /mcp', async () => {
    const { gw } = await setup();
    // files__write is declared but files exposes only read; delete_everything is not declared.
    expect(await names(gw, BOT_KEY)).toEqual(['demo__add', 'demo__echo', 'files__read']);
    const client = await gw.connect(BOT_KEY);
    const echo = (await client.listTools()).tools.find((t) => t.name === 'demo__echo');
    expect(echo).toMatchObject({ description: 'the echo tool', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } });
  });

  it('lists upstream names on /mcp/<server>', async () => {
    const { gw } = await setup();
    expect(await names(gw, BOT_KEY, {}, '/mcp/demo')).toEqual(['add', 'echo']);
    expect(await names(gw, BOT_KEY, {}, '/mcp/files')).toEqual(['read']);
  });

  it('gives a key acting for no registered agent no tools, and the agent it names its tools', async () => {
    const { gw } = await setup();
    expect(await names(gw, TEAM_KEY)).toEqual([]);
    // An unregistered agent name is attribution only.
    expect(await names(gw, TEAM_KEY, { 'x-gantry-agent': 'shadow-bot' })).toEqual([]);
    expect(await names(gw, TEAM_KEY, { 'x-gantry-agent': 'helper-bot' })).toEqual(['demo__add', 'demo__echo', 'files__read']);
  });

  it('leaves a server that is down out of /mcp, and answers its own endpoint with GW_MCP_UPSTREAM_UNAVAILABLE', async () => {
    const { gw, files } = await setup();
    files.behaviour = 'down';
    expect(await names(gw, BOT_KEY)).toEqual(['demo__add', 'demo__echo']);
    const client = await gw.connect(BOT_KEY, {}, '/mcp/files');
    const err = await client.listTools().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32005, data: { code: 'GW_MCP_UPSTREAM_UNAVAILABLE', status: 503 } });
  });

  it('leaves out an upstream that does not list in time', async () => {
    const { gw, files } = await setup({ listTimeoutMs: 100 });
    files.listTools = () => new Promise(() => undefined);
    expect(await names(gw, BOT_KEY)).toEqual(['demo__add', 'demo__echo']);
  });
});

describe('tools/call', () => {
  it('calls an allowed tool, meters it once with the attribution, and forwards only name, arguments and options', async () => {
    const { gw, demo } = await setup();
    const headers = { 'x-gantry-workflow': 'triage', 'x-gantry-run': 'run-7', 'x-gantry-tags': 'repo=web' };
    const client = await gw.connect(BOT_KEY, headers);
    const result = await client.callTool({ name: 'demo__echo', arguments: { text: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'echo:hi' }]);

    expect(gw.events).toHaveLength(1);
    expect(gw.events[0]).toMatchObject({
      endpoint: 'mcp',
      model: 'demo__echo',
      route: 'demo',
      provider: 'mcp:demo',
      team: 'team-a',
      keyId: 'key_bot',
      agent: 'helper-bot',
      workflow: 'triage',
      run: 'run-7',
      tags: { repo: 'web' },
      status: 200,
      outcome: 'completed',
      costMicros: 0,
      inputTokens: 0,
      outputTokens: 0,
      usageEstimated: false,
      priceVersion: 'mcpserver:demo@1',
      errorCode: undefined,
    });
    expect(gw.toolCalls).toMatchObject([{ server: 'demo', tool: 'echo', outcome: 'ok', code: undefined, team: 'team-a', agent: 'helper-bot', principal: 'Agent:helper-bot' }]);

    // The upstream gets the contract's three arguments and nothing of the caller's request.
    expect(demo.calls).toHaveLength(1);
    const call = demo.calls[0]!;
    expect(call.arity).toBe(3);
    expect(call.name).toBe('echo');
    expect(call.args).toEqual({ text: 'hi' });
    expect(Object.keys(call.options).sort()).toEqual(['signal', 'timeoutMs']);
    expect(call.options.timeoutMs).toBe(30_000);
    expect(JSON.stringify(call)).not.toContain(BOT_KEY);
  });

  it('calls through /mcp/<server> with the upstream name and meters it as server__tool', async () => {
    const { gw } = await setup();
    const client = await gw.connect(BOT_KEY, {}, '/mcp/demo');
    expect((await client.callTool({ name: 'add', arguments: { text: '1' } })).content).toEqual([{ type: 'text', text: 'add:1' }]);
    expect(gw.events[0]).toMatchObject({ model: 'demo__add', route: 'demo', status: 200 });
  });

  it('refuses a tool outside the declaration with GW_TOOL_NOT_ALLOWED: metered at $0, drift reported, upstream not called', async () => {
    const { gw, demo } = await setup();
    const err = await callError(gw, BOT_KEY, 'demo__delete_everything', { 'x-gantry-run': 'run-9' });
    expect(err.code).toBe(-32003);
    expect(err.data).toEqual({ code: 'GW_TOOL_NOT_ALLOWED', status: 403 });
    expect(err.message).toContain('did not declare tool "demo__delete_everything"');
    expect(demo.calls).toHaveLength(0);
    expect(gw.events).toHaveLength(1);
    expect(gw.events[0]).toMatchObject({ model: 'demo__delete_everything', status: 403, errorCode: 'GW_TOOL_NOT_ALLOWED', outcome: 'rejected', costMicros: 0, agent: 'helper-bot', run: 'run-9' });
    expect(gw.drift).toMatchObject([{ kind: 'undeclared_tool', agent: 'helper-bot', team: 'team-a', item: 'demo__delete_everything' }]);
    expect(gw.toolCalls).toMatchObject([{ server: 'demo', tool: 'delete_everything', outcome: 'denied', code: 'GW_TOOL_NOT_ALLOWED' }]);
  });

  it('refuses every tool to a key acting for no registered agent', async () => {
    const { gw } = await setup();
    const err = await callError(gw, TEAM_KEY, 'demo__echo');
    expect(err.data).toMatchObject({ code: 'GW_TOOL_NOT_ALLOWED' });
    expect(err.message).toContain('acts for no registered agent');
  });

  it('answers an unknown or unexposed tool with GW_TOOL_NOT_FOUND and meters nothing', async () => {
    const { gw, files } = await setup();
    for (const tool of ['demo__nope', 'files__write', 'nope__echo', 'echo']) {
      const err = await callError(gw, BOT_KEY, tool);
      expect(err.code).toBe(-32602);
      expect(err.data).toEqual({ code: 'GW_TOOL_NOT_FOUND', status: 404 });
    }
    expect(files.calls).toHaveLength(0);
    expect(gw.events).toHaveLength(0);
    expect(gw.toolCalls).toHaveLength(0);
  });

  it('charges an isError result (the tool answered) like any completed call', async () => {
    const { gw, demo } = await setup({}, { perCallMicros: 20_000 });
    demo.behaviour = 'is_error';
    const client = await gw.connect(BOT_KEY);
    const result = await client.callTool({ name: 'demo__echo', arguments: { text: 'boom' } });
    expect(result.isError).toBe(true);
    expect(gw.events[0]).toMatchObject({ status: 200, outcome: 'completed', costMicros: 20_000 });
    expect(gw.toolCalls[0]).toMatchObject({ outcome: 'ok' });
  });

  it('times out a slow tool with GW_MCP_TOOL_TIMEOUT at $0 and cancels it upstream', async () => {
    const { gw, demo } = await setup({}, { timeoutMs: 200, perCallMicros: 50_000 });
    demo.behaviour = 'hang';
    const err = await callError(gw, BOT_KEY, 'demo__echo');
    expect(err.code).toBe(-32001);
    expect(err.data).toEqual({ code: 'GW_MCP_TOOL_TIMEOUT', status: 504 });
    expect(demo.calls[0]?.options.signal.aborted).toBe(true);
    expect(gw.events[0]).toMatchObject({ status: 504, errorCode: 'GW_MCP_TOOL_TIMEOUT', outcome: 'upstream_error', costMicros: 0 });
    expect(gw.toolCalls[0]).toMatchObject({ outcome: 'error', code: 'GW_MCP_TOOL_TIMEOUT' });
  });

  it('cancels the upstream call when the client goes away, metered as client_aborted at $0', async () => {
    const { gw, demo } = await setup({}, { perCallMicros: 50_000 });
    demo.behaviour = 'hang';
    const abort = new AbortController();
    const answered = fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_KEY}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'demo__echo', arguments: {} } }),
      signal: abort.signal,
    }).catch(() => undefined);
    while (demo.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    await answered;
    while (gw.events.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(demo.calls[0]?.options.signal.aborted).toBe(true);
    expect(gw.events[0]).toMatchObject({ model: 'demo__echo', outcome: 'client_aborted', costMicros: 0 });
    expect(gw.toolCalls[0]).toMatchObject({ outcome: 'error' });
  });

  it('fails with GW_MCP_UPSTREAM_UNAVAILABLE at $0 when the server is down', async () => {
    const { gw, demo } = await setup({}, { perCallMicros: 50_000 });
    demo.behaviour = 'down';
    const err = await callError(gw, BOT_KEY, 'demo__echo');
    expect(err.code).toBe(-32005);
    expect(err.data).toEqual({ code: 'GW_MCP_UPSTREAM_UNAVAILABLE', status: 503 });
    expect(gw.events).toHaveLength(1);
    expect(gw.events[0]).toMatchObject({ model: 'demo__echo', status: 503, errorCode: 'GW_MCP_UPSTREAM_UNAVAILABLE', outcome: 'upstream_error', costMicros: 0 });
  });
});

describe('policies and grants', () => {
  const FORBID_ADD = '@id("no-add") forbid(principal, action == Gantry::Action::"call_tool", resource == Gantry::Tool::"demo__add");';

  it('hides a tool an enforced call_tool policy denies and refuses its call with GW_POLICY_DENIED', async () => {
    const { gw, demo } = await setup({ policy: FORBID_ADD });
    expect(await names(gw, BOT_KEY)).toEqual(['demo__echo', 'files__read']);
    const err = await callError(gw, BOT_KEY, 'demo__add');
    expect(err.code).toBe(-32003);
    expect(err.data).toEqual({ code: 'GW_POLICY_DENIED', status: 403 });
    expect(err.message).toContain('Policy "no-add" denies call_tool on Tool "demo__add" for agent "helper-bot"');
    expect(demo.calls).toHaveLength(0);
    expect(gw.events[0]).toMatchObject({ errorCode: 'GW_POLICY_DENIED', policy: 'deny:no-add', costMicros: 0 });
    // Published like invoke_model denials: the policy audit subscriber records it.
    expect(gw.policyDecisions).toMatchObject([{ outcome: 'deny', action: 'call_tool', policyIds: ['no-add'], principal: 'Agent:helper-bot', resource: 'Tool:demo__add', team: 'team-a' }]);
  });

  it('passes dataClass and tags to call_tool policies', async () => {
    const policy = '@id("no-restricted") forbid(principal, action == Gantry::Action::"call_tool", resource) when { context.dataClass == "restricted" || context.tags.contains("env=prod") };';
    const { gw } = await setup({ policy });
    expect((await callError(gw, BOT_KEY, 'demo__echo', { 'x-gantry-data-class': 'restricted' })).data).toMatchObject({ code: 'GW_POLICY_DENIED' });
    expect((await callError(gw, BOT_KEY, 'demo__echo', { 'x-gantry-tags': 'env=prod' })).data).toMatchObject({ code: 'GW_POLICY_DENIED' });
    const client = await gw.connect(BOT_KEY, { 'x-gantry-tags': 'env=dev' });
    expect((await client.callTool({ name: 'demo__echo', arguments: { text: 'ok' } })).content).toEqual([{ type: 'text', text: 'echo:ok' }]);
  });

  it('lets a Grant through an undeclared tool, with the grant as evidence', async () => {
    const { gw, demo } = await setup({ grants: [grant({ agent: 'helper-bot' })] });
    expect(await names(gw, BOT_KEY)).toContain('demo__delete_everything');
    const client = await gw.connect(BOT_KEY);
    await client.callTool({ name: 'demo__delete_everything', arguments: {} });
    expect(demo.calls.map((c) => c.name)).toEqual(['delete_everything']);
    expect(gw.events[0]).toMatchObject({ status: 200, model: 'demo__delete_everything', policy: 'grant:incident-42' });
    // Still drift: the agent called outside its declaration.
    expect(gw.drift).toMatchObject([{ kind: 'undeclared_tool', item: 'demo__delete_everything' }]);
  });

  it('gives a key with no agent the tools its Grants name', async () => {
    const { gw } = await setup({ grants: [grant({ apiKey: 'team-key', resource: 'demo__echo' })] });
    expect(await names(gw, TEAM_KEY)).toEqual(['demo__echo']);
  });

  it('overrides an enforced call_tool denial with a Grant, and ignores an expired one', async () => {
    const active = await setup({ policy: FORBID_ADD, grants: [grant({ resource: 'demo__add', name: 'add-ok' })] });
    expect(await names(active.gw, BOT_KEY)).toEqual(['demo__add', 'demo__echo', 'files__read']);
    const client = await active.gw.connect(BOT_KEY);
    await client.callTool({ name: 'demo__add', arguments: { text: '2' } });
    expect(active.gw.events[0]).toMatchObject({ status: 200, policy: 'grant:add-ok' });
    // Counted like a model call's grant (policy metrics), never audited as a denial.
    expect(active.gw.policyDecisions).toMatchObject([{ outcome: 'granted', action: 'call_tool', policyIds: ['no-add'], resource: 'Tool:demo__add' }]);
    await active.gw.close();

    const expired = await setup({ policy: FORBID_ADD, grants: [grant({ resource: 'demo__add', until: Date.now() - 1 })] });
    expect((await callError(expired.gw, BOT_KEY, 'demo__add')).data).toMatchObject({ code: 'GW_POLICY_DENIED' });
  });

  it('decides read_secret on each Secret the server uses, overridable by a read_secret Grant', async () => {
    const policy = '@id("no-token") forbid(principal, action == Gantry::Action::"read_secret", resource == Gantry::Secret::"demo-token");';
    const denied = await setup({ policy }, { secrets: ['demo-token'] });
    // tools/list agrees with tools/call: a tool every call of which the policy refuses is not listed.
    expect(await names(denied.gw, BOT_KEY)).toEqual(['files__read']);
    const err = await callError(denied.gw, BOT_KEY, 'demo__echo');
    expect(err.data).toMatchObject({ code: 'GW_POLICY_DENIED' });
    expect(err.message).toContain('read_secret on Secret "demo-token"');
    expect(denied.demo.calls).toHaveLength(0);
    await denied.gw.close();

    const granted = await setup({ policy, grants: [grant({ action: 'read_secret', resource: 'demo-token', name: 'token-ok' })] }, { secrets: ['demo-token'] });
    expect(await names(granted.gw, BOT_KEY)).toEqual(['demo__add', 'demo__echo', 'files__read']);
    const client = await granted.gw.connect(BOT_KEY);
    await client.callTool({ name: 'demo__echo', arguments: { text: 's' } });
    expect(granted.gw.events[0]).toMatchObject({ status: 200, policy: 'grant:token-ok' });
  });
});

describe('budgets and rate limits', () => {
  it('holds the per-call price against a budget: calls succeed until it is spent, then GW_BUDGET_EXHAUSTED', async () => {
    const budget = { name: 'bot-tools', scope: { agent: 'helper-bot', model: 'demo__echo' }, perRun: false, window: 'total' as const, limitMicros: 1_000_000, hard: true, alerts: [], failClosed: true };
    const { gw, demo } = await setup({ budgets: [budget] }, { perCallMicros: 100_000, toolPriceMicros: new Map([['echo', 250_000]]) });
    const client = await gw.connect(BOT_KEY, { 'x-gantry-run': 'r1' });
    for (let i = 0; i < 4; i++) await client.callTool({ name: 'demo__echo', arguments: { text: String(i) } });
    const err = await client.callTool({ name: 'demo__echo', arguments: { text: 'over' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32004, data: { code: 'GW_BUDGET_EXHAUSTED', status: 429 } });
    expect((err as Error).message).toContain('Budget "bot-tools"');
    expect(demo.calls).toHaveLength(4);
    // The ledger: four priced calls and one refused at $0 — the budget's spend exactly.
    expect(gw.events.map((e) => e.costMicros)).toEqual([250_000, 250_000, 250_000, 250_000, 0]);
    expect(gw.events.reduce((sum, e) => sum + e.costMicros, 0)).toBe(budget.limitMicros);
    expect(gw.events.every((e) => e.run === 'r1' && e.agent === 'helper-bot')).toBe(true);
    // Another tool (another model scope) still works, at the server's per-call price.
    await client.callTool({ name: 'demo__add', arguments: { text: '1' } });
    expect(gw.events.at(-1)).toMatchObject({ model: 'demo__add', costMicros: 100_000, status: 200 });
  });

  it('applies rate limits to tool calls', async () => {
    const rateLimit = { name: 'bot-rpm', scope: { agent: 'helper-bot' }, per: undefined, requestsPerMinute: 2, tokensPerMinute: undefined, concurrent: undefined, failClosed: false };
    const { gw } = await setup({ rateLimits: [rateLimit] });
    const client = await gw.connect(BOT_KEY);
    await client.callTool({ name: 'demo__echo', arguments: {} });
    await client.callTool({ name: 'demo__add', arguments: {} });
    const err = await client.callTool({ name: 'demo__echo', arguments: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: -32004, data: { code: 'GW_RATE_LIMITED', status: 429 } });
    expect(gw.events.at(-1)).toMatchObject({ errorCode: 'GW_RATE_LIMITED', costMicros: 0 });
  });
});

describe('HTTP', () => {
  it('refuses a bad key with 401 before any MCP message is handled', async () => {
    const { gw } = await setup();
    const err = await gw.connect('gk_not_a_real_key_000000000000000000000').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 401 });
    const res = await fetch(`${gw.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'GW_AUTH_KEY_MISSING', status: 401 } }, id: null });
  });

  it('answers an unknown server with 404 GW_MCP_SERVER_NOT_FOUND', async () => {
    const { gw } = await setup();
    const err = await gw.connect(BOT_KEY, {}, '/mcp/nope').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 404 });
    const res = await fetch(`${gw.url}/mcp/nope`, { method: 'POST', headers: { authorization: `Bearer ${BOT_KEY}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.headers.get('x-gantry-error-code')).toBe('GW_MCP_SERVER_NOT_FOUND');
  });

  it('serves /mcp/ and /mcp/<server>/ (a trailing slash) like /mcp and /mcp/<server>', async () => {
    const { gw } = await setup();
    expect(await names(gw, BOT_KEY, {}, '/mcp/')).toEqual(['demo__add', 'demo__echo', 'files__read']);
    expect(await names(gw, BOT_KEY, {}, '/mcp/demo/')).toEqual(['add', 'echo']);
  });

  it('answers GET and DELETE with 405 (stateless), and the client works with that', async () => {
    const { gw } = await setup();
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${gw.url}/mcp`, { method, headers: { authorization: `Bearer ${BOT_KEY}`, accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
    const client = await gw.connect(BOT_KEY);
    expect((await client.listTools()).tools).toHaveLength(3);
    await client.close();
  });

  it('refuses a JSON-RPC batch carrying tools/call (one usage event per HTTP request)', async () => {
    const { gw, demo } = await setup();
    const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'demo__echo', arguments: {} } });
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_KEY}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify([call(1), call(2)]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: -32602, data: { code: 'GW_REQUEST_INVALID' } } });
    expect(demo.calls).toHaveLength(0);
  });
});
