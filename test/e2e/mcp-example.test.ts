import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCli, adminGet, auditEntries, callError, callOutcome, mcpClients, textOf, toolNames, waitFor } from './helpers/mcp-client.js';
import { type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

/**
 * examples/mcp/gantry.yaml as a user runs it, through the official MCP TypeScript client and the
 * MCP Inspector CLI: helper-bot lists and calls exactly its two tools (the stdio demo server only
 * runs because Gantry injected its Secret), the destructive tool is refused and audited and shows as
 * drift, the Policy denies it even to an agent that declares it, a Grant lets it through until it is
 * revoked or expires, every call is attributed and priced, and the daily budget on demo__echo holds.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const EXAMPLE = readFileSync(join(ROOT, 'examples/mcp/gantry.yaml'), 'utf8');
const DEMO_SECRET_VALUE = 'demo-token-change-me';
const INSPECTOR = join(ROOT, 'node_modules/@modelcontextprotocol/inspector-cli/build/cli.js');

let g: RunningGantry;
let botKey: string;
const mcp = mcpClients(() => g);
const eventsOfRun = async (run: string) => (await usageEvents(g, 'limit=1000')).filter((e) => e.run === run);

beforeAll(async () => {
  g = await startGantry({ config: EXAMPLE, env: { GANTRY_ACTIVITY_FLUSH_MS: '100', GANTRY_LOG_LEVEL: 'info' } });
  botKey = readFileSync(join(g.dataDir, 'generated-keys', 'helper-bot-key.key'), 'utf8').trim();
  // The stdio demo server starts with Gantry; wait until it answered initialize and listed its tools.
  await waitFor('the demo MCP server is connected', async () => {
    const { data } = await adminGet<{ data: { name: string; state: string; tools: number | null }[] }>(g, '/mcpservers/status');
    return data.some((s) => s.name === 'demo' && s.state === 'connected' && s.tools === 3) ? true : undefined;
  });
}, 60_000);
afterAll(async () => {
  await mcp.closeAll();
  await g?.stop();
});

describe('examples/mcp/gantry.yaml', () => {
  it('docs/mcp.md walks through this very file', () => {
    const doc = readFileSync(join(ROOT, 'docs/mcp.md'), 'utf8');
    expect(doc).toContain(EXAMPLE.slice(EXAMPLE.indexOf('apiVersion:')).trimEnd());
  });

  it("lists exactly helper-bot's tools: namespaced on /mcp, upstream names on /mcp/demo; a key of no agent sees none", async () => {
    expect(await toolNames(await mcp.connect(botKey))).toEqual(['demo__add', 'demo__echo']);
    expect(await toolNames(await mcp.connect(botKey, {}, '/mcp/demo'))).toEqual(['add', 'echo']);
    // The demo key (team default, no agent) has no tools: tools are for registered agents.
    expect(await toolNames(await mcp.connect(g.key))).toEqual([]);
  });

  it('calls echo and add (the stdio server runs with the injected Secret); every call is attributed and priced', async () => {
    const headers = { 'x-gantry-run': 'run-calls-1', 'x-gantry-workflow': 'triage' };
    const client = await mcp.connect(botKey, headers);
    expect(textOf(await client.callTool({ name: 'demo__echo', arguments: { text: 'hello' } }))).toBe('hello');
    expect(await client.callTool({ name: 'demo__add', arguments: { a: 2, b: 3 } })).toMatchObject({ structuredContent: { sum: 5 } });
    const direct = await mcp.connect(botKey, headers, '/mcp/demo');
    expect(textOf(await direct.callTool({ name: 'echo', arguments: { text: 'hi' } }))).toBe('hi');

    const events = await waitFor('three usage events', async () => {
      const e = await eventsOfRun('run-calls-1');
      return e.length === 3 ? e : undefined;
    });
    expect(events.map((e) => e.model).sort()).toEqual(['demo__add', 'demo__echo', 'demo__echo']);
    for (const e of events) {
      expect(e).toMatchObject({
        endpoint: 'mcp',
        team: 'support',
        agent: 'helper-bot',
        workflow: 'triage',
        run: 'run-calls-1',
        route: 'demo',
        provider: 'mcp:demo',
        status: 200,
        costMicros: 1_000, // spec.pricing.perCall "0.001"
        priceVersion: 'mcpserver:demo@1',
        inputTokens: 0,
        outputTokens: 0,
      });
    }

    // The same numbers through `gantry usage --by agent,model` (hourly rollups, written asynchronously).
    const rows = await waitFor('usage rollups', async () => {
      const r = await adminCli(g, 'usage', '--by', 'agent,model', '--agent', 'helper-bot', '-o', 'json');
      const body = JSON.parse(r.output) as { rows: { agent: string; model: string; requests: number; costUsd: string }[] };
      return body.rows.find((row) => row.model === 'demo__echo')?.requests === 2 ? body.rows : undefined;
    });
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ agent: 'helper-bot', model: 'demo__echo', requests: 2 }),
        expect.objectContaining({ agent: 'helper-bot', model: 'demo__add', requests: 1 }),
      ]),
    );
    expect(Number(rows.find((r) => r.model === 'demo__echo')?.costUsd)).toBeCloseTo(0.002, 6);
  });

  it('the MCP Inspector CLI lists the same tools', { timeout: 60_000 }, async () => {
    // inspector-cli 1.0.3 only starts when the working directory's parent holds a package.json (docs/mcp.md).
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [INSPECTOR, '--cli', `${g.url}/mcp`, '--transport', 'http', '--method', 'tools/list', '--header', `Authorization: Bearer ${botKey}`],
      { cwd: join(ROOT, 'test'), timeout: 45_000 },
    );
    expect((JSON.parse(stdout) as { tools: { name: string }[] }).tools.map((t) => t.name).sort()).toEqual(['demo__add', 'demo__echo']);
  });

  it('refuses delete_everything with GW_TOOL_NOT_ALLOWED: metered at $0, audited, and reported as drift', async () => {
    const client = await mcp.connect(botKey, { 'x-gantry-run': 'run-denied-1' });
    const err = await callError(client, 'demo__delete_everything', { confirm: true });
    expect(err.code).toBe(-32003);
    expect(err.data).toMatchObject({ code: 'GW_TOOL_NOT_ALLOWED', status: 403 });
    expect(err.message).toContain('did not declare tool "demo__delete_everything"');

    const [event] = await waitFor('the refusal usage event', async () => {
      const e = await eventsOfRun('run-denied-1');
      return e.length === 1 ? e : undefined;
    });
    expect(event).toMatchObject({ agent: 'helper-bot', model: 'demo__delete_everything', status: 403, errorCode: 'GW_TOOL_NOT_ALLOWED', outcome: 'rejected', costMicros: 0 });

    const denial = await waitFor('the mcp.tool_denied audit entry', async () => (await auditEntries(g)).find((a) => a.action === 'mcp.tool_denied'));
    expect(denial).toMatchObject({ actor: 'Agent:helper-bot', kind: 'McpServer', name: 'demo', outcome: 'denied', after: { tool: 'demo__delete_everything', code: 'GW_TOOL_NOT_ALLOWED', team: 'support' } });
    expect(JSON.stringify(denial)).not.toContain('confirm'); // never the call's arguments

    // Drift is written in batches (~2 s).
    const drift = await waitFor('the drift finding', async () => {
      const r = await adminCli(g, 'agents', 'drift', '--agent', 'helper-bot', '-o', 'json');
      const findings = JSON.parse(r.output) as { agent: string; kind: string; item: string | null; count: number }[];
      return findings.find((f) => f.kind === 'undeclared_tool' && f.item === 'demo__delete_everything');
    });
    expect(drift).toMatchObject({ agent: 'helper-bot', count: 1 });
  });

  it('`gantry get agents` shows the owner, lifecycle, spend, requests and the drift of helper-bot', async () => {
    // NAME OWNER LIFECYCLE SPONSOR SPEND(7D) REQUESTS ERR% LAST SEEN DRIFT: 3 paid calls ($0.003) and the refusal.
    const row = /^helper-bot\s+support\s+active\s+-\s+\$0\.003\s+4\s+25\.0%\s+.+\s+tool:demo__delete_everything\s*$/m;
    let table = '';
    await waitFor('the helper-bot row with its usage and drift', async () => {
      table = (await adminCli(g, 'get', 'agents')).output;
      return row.test(table) ? true : undefined;
    }).catch(() => undefined);
    expect(table).toMatch(row);
  });

  it('the Policy denies *delete* tools even to an agent that declares one: hidden from tools/list, GW_POLICY_DENIED, audited', async () => {
    const applied = await fetch(`${g.url}/admin/v1/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.adminToken}`, 'content-type': 'application/yaml' },
      body: 'apiVersion: gantry/v1alpha1\nkind: Agent\nmetadata: {name: cleanup-bot}\nspec: {owner: support, lifecycle: active, tools: [demo__delete_everything]}\n',
    });
    expect(applied.status, await applied.text()).toBe(200);
    const created = await adminCli(g, 'keys', 'create', '--team', 'support', '--agent', 'cleanup-bot', '-o', 'json');
    expect(created.code, created.output).toBe(0);
    const cleanupKey = (JSON.parse(created.output) as { key: string }).key;

    const client = await mcp.connect(cleanupKey, { 'x-gantry-run': 'run-policy-1' });
    expect(await toolNames(client)).toEqual([]);
    const err = await callError(client, 'demo__delete_everything');
    expect(err.data).toMatchObject({ code: 'GW_POLICY_DENIED', status: 403 });
    expect(err.message).toContain('no-delete-tools');

    const [event] = await waitFor('the policy denial usage event', async () => {
      const e = await eventsOfRun('run-policy-1');
      return e.length === 1 ? e : undefined;
    });
    expect(event).toMatchObject({ agent: 'cleanup-bot', errorCode: 'GW_POLICY_DENIED', policy: 'deny:no-delete-tools', costMicros: 0 });
    const audited = await waitFor('the policy.deny audit entry', async () =>
      (await auditEntries(g)).find((a) => a.action === 'policy.deny' && a.actor === 'Agent:cleanup-bot'),
    );
    expect(audited).toMatchObject({ kind: 'Tool', name: 'demo__delete_everything', outcome: 'denied', after: { policies: ['no-delete-tools'], action: 'call_tool' } });
  });

  it('a Grant lets helper-bot call delete_everything (evidence grant:<name>, dearer price) until it is revoked', async () => {
    const requested = await adminCli(
      g,
      'grants',
      'request',
      'helper-bot-cleanup',
      '--team',
      'support',
      '--agent',
      'helper-bot',
      '--action',
      'call_tool',
      '--tool',
      'demo__delete_everything',
      '--reason',
      'INC-1234: clear the demo data once',
      '--expires',
      '+1h',
    );
    expect(requested.code, requested.output).toBe(0);
    expect(requested.output).toContain('approved: it is in effect now');

    const client = await mcp.connect(botKey, { 'x-gantry-run': 'run-grant-1' });
    expect(await toolNames(client)).toEqual(['demo__add', 'demo__delete_everything', 'demo__echo']);
    expect(textOf(await client.callTool({ name: 'demo__delete_everything', arguments: {} }))).toContain('Nothing was deleted');
    const [event] = await waitFor('the granted call', async () => {
      const e = await eventsOfRun('run-grant-1');
      return e.length === 1 ? e : undefined;
    });
    // The Grant overrode both the declaration and the Policy; the tool's own price applies.
    expect(event).toMatchObject({ agent: 'helper-bot', model: 'demo__delete_everything', status: 200, policy: 'grant:helper-bot-cleanup', costMicros: 50_000 });

    const revoked = await adminCli(g, 'grants', 'revoke', 'helper-bot-cleanup', '--reason', 'INC-1234 resolved');
    expect(revoked.code, revoked.output).toBe(0);
    await waitFor('refused again after the revocation', async () => ((await callOutcome(client, 'demo__delete_everything')) === 'GW_TOOL_NOT_ALLOWED' ? true : undefined));
    expect(await toolNames(client)).toEqual(['demo__add', 'demo__echo']);
    const actions = (await auditEntries(g)).filter((a) => a.name === 'helper-bot-cleanup').map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['apply', 'grants.revoke']));
  });

  it('a Grant stops working at its expiresAt without a restart, and its expiry is audited', { timeout: 90_000 }, async () => {
    const requested = await adminCli(g, 'grants', 'request', 'cleanup-once', '--team', 'support', '--agent', 'helper-bot', '--action', 'call_tool', '--tool', 'demo__delete_everything', '--reason', 'one short exception', '--expires', '+10s');
    expect(requested.code, requested.output).toBe(0);
    const client = await mcp.connect(botKey);
    expect(await callOutcome(client, 'demo__delete_everything')).toBe('ok');
    await waitFor('refused once the grant expired', async () => ((await callOutcome(client, 'demo__delete_everything')) === 'GW_TOOL_NOT_ALLOWED' ? true : undefined), 40_000);
    // The expiry sweep (every ~15 s) records the state and the audit entry.
    const expired = await waitFor(
      'the grants.expire audit entry',
      async () => (await auditEntries(g)).find((a) => a.action === 'grants.expire' && a.name === 'cleanup-once'),
      40_000,
    );
    expect(expired.actor).toBe('system:grant-expiry');
    expect(await adminGet(g, '/grants/cleanup-once')).toMatchObject({ status: { state: 'expired' } });
  });

  it('the Secret value never appears outside the upstream: not in reads, audit, usage or logs', async () => {
    const reads = [
      JSON.stringify(await adminGet(g, '/secrets/demo-mcp-token')),
      JSON.stringify(await adminGet(g, '/mcpservers/demo')),
      (await adminCli(g, 'get', 'secrets', '-o', 'yaml')).output,
      (await adminCli(g, 'mcp', 'status', '-o', 'json')).output,
      JSON.stringify(await auditEntries(g)),
      JSON.stringify(await usageEvents(g, 'limit=1000')),
      g.output(),
    ];
    for (const text of reads) expect(text).not.toContain(DEMO_SECRET_VALUE);
    expect(reads[0]).toContain('"currentVersion":1');
  });

  // Last: it spends the day's budget on demo__echo.
  it('the daily budget on demo__echo: calls until GW_BUDGET_EXHAUSTED, never more than $0.01 in the ledger', async () => {
    const client = await mcp.connect(botKey, { 'x-gantry-run': 'run-budget-1' });
    const outcomes: string[] = [];
    // Concurrent batches until a whole batch is refused: the budget holds each call's price before it is made.
    for (let batch = 0; batch < 10; batch++) {
      const results = await Promise.all(Array.from({ length: 4 }, (_, i) => callOutcome(client, 'demo__echo', { text: `call ${batch}.${i}` })));
      outcomes.push(...results);
      if (results.every((r) => r === 'GW_BUDGET_EXHAUSTED')) break;
    }
    expect(new Set(outcomes)).toEqual(new Set(['ok', 'GW_BUDGET_EXHAUSTED']));
    const err = await callError(client, 'demo__echo', { text: 'one more' });
    expect(err.code).toBe(-32004);
    expect(err.data).toMatchObject({ code: 'GW_BUDGET_EXHAUSTED' });
    expect(err.message).toContain('helper-bot-echo-daily');
    // The budget is on demo__echo only: demo__add still works.
    expect(await callOutcome(client, 'demo__add', { a: 1, b: 1 })).toBe('ok');

    const events = await waitFor('every budget call metered', async () => {
      const e = await eventsOfRun('run-budget-1');
      return e.length === outcomes.length + 2 ? e : undefined;
    });
    const echo = (await usageEvents(g, 'limit=1000')).filter((e) => e.agent === 'helper-bot' && e.model === 'demo__echo');
    const spent = echo.reduce((sum, e) => sum + Number(e.costMicros), 0);
    expect(spent).toBe(10_000); // exactly the limit: "0.01" in micro-USD, never more
    expect(echo.filter((e) => e.status === 200).length).toBe(10);
    const refused = events.filter((e) => e.errorCode === 'GW_BUDGET_EXHAUSTED');
    expect(refused.length).toBe(outcomes.filter((o) => o === 'GW_BUDGET_EXHAUSTED').length + 1);
    for (const e of refused) expect(e).toMatchObject({ costMicros: 0, outcome: 'rejected', model: 'demo__echo' });
  });
});
