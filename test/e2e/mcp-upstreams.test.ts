import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TEST_SERVER, type RunningHttpMcpServer, startHttpMcpTestServer } from '../helpers/mcp-test-server.js';
import { adminCli, adminGet, callError, callOutcome, mcpClients, textOf, waitFor } from './helpers/mcp-client.js';
import { type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

/**
 * Upstream MCP servers end to end, with real processes: a supervised stdio server (the test fixture)
 * that crashes and times out, and a Streamable HTTP server whose credential comes from a Secret
 * created and rotated with the CLI. The agent's Gantry key never reaches an upstream.
 */
const STDIO_TOKEN = 'stdio-token-e2e-5b1f0c';
const HTTP_TOKEN_1 = 'http-token-e2e-v1-93ad';
const HTTP_TOKEN_2 = 'http-token-e2e-v2-17ce';

const CONFIG = `apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: qa}
spec: {displayName: QA}
---
apiVersion: gantry/v1alpha1
kind: Secret
metadata: {name: flaky-token}
spec: {value: ${STDIO_TOKEN}}
---
# The same value again, so the fixture can compare what it received (whoami_token) without a literal.
apiVersion: gantry/v1alpha1
kind: Secret
metadata: {name: flaky-token-check}
spec: {value: ${STDIO_TOKEN}}
---
apiVersion: gantry/v1alpha1
kind: McpServer
metadata: {name: flaky}
spec:
  command: ${JSON.stringify(process.execPath)}
  args: [${JSON.stringify(MCP_TEST_SERVER)}]
  env:
    DEMO_MCP_TOKEN: {secretRef: flaky-token}
    EXPECT_TOKEN: {secretRef: flaky-token-check}
  timeoutMs: 1000
  pricing: {perCall: "0.002"}
---
apiVersion: gantry/v1alpha1
kind: Agent
metadata: {name: tester}
spec:
  owner: qa
  lifecycle: active
  tools: [flaky__echo, flaky__crash, flaky__sleep, flaky__whoami_token, flaky__env_names, web__seen_headers]
---
apiVersion: gantry/v1alpha1
kind: ApiKey
metadata: {name: tester-key}
spec: {team: qa, agent: tester}
`;

let g: RunningGantry;
let key: string;
let web: RunningHttpMcpServer | undefined;
const mcp = mcpClients(() => g);
const eventsOfRun = async (run: string) => (await usageEvents(g, 'limit=1000')).filter((e) => e.run === run);

beforeAll(async () => {
  g = await startGantry({ config: CONFIG, env: { GANTRY_LOG_LEVEL: 'debug' } });
  key = readFileSync(join(g.dataDir, 'generated-keys', 'tester-key.key'), 'utf8').trim();
}, 60_000);
afterAll(async () => {
  await mcp.closeAll();
  await g?.stop();
  await web?.stop();
});

describe('stdio upstream (supervised by Gantry)', () => {
  it("receives the Secrets' values and none of Gantry's own environment", async () => {
    const client = await mcp.connect(key);
    expect(textOf(await client.callTool({ name: 'flaky__whoami_token', arguments: {} }))).toBe('token matches');
    const names = JSON.parse(textOf(await client.callTool({ name: 'flaky__env_names', arguments: {} }))) as string[];
    expect(names).toEqual(expect.arrayContaining(['DEMO_MCP_TOKEN', 'EXPECT_TOKEN', 'PATH']));
    expect(names.filter((n) => n.startsWith('GANTRY_'))).toEqual([]);
  });

  it('a crash fails the call in flight with GW_MCP_UPSTREAM_UNAVAILABLE at $0; the supervisor restarts the server', async () => {
    const client = await mcp.connect(key, { 'x-gantry-run': 'run-crash-1' });
    const err = await callError(client, 'flaky__crash');
    expect(err.data).toMatchObject({ code: 'GW_MCP_UPSTREAM_UNAVAILABLE', status: 503 });
    // Restarted with backoff (0.5 s first): calls work again without anyone doing anything.
    await waitFor('the restarted server answers', async () => ((await callOutcome(client, 'flaky__echo', { text: 'back' })) === 'ok' ? true : undefined));
    const { data } = await adminGet<{ data: { name: string; state: string; restarts: number; lastError?: string }[] }>(g, '/mcpservers/status');
    expect(data.find((s) => s.name === 'flaky')).toMatchObject({ state: 'connected', restarts: 1 });

    const events = await waitFor('the crash and the calls after it', async () => {
      const e = await eventsOfRun('run-crash-1');
      return e.some((x) => x.status === 200) ? e : undefined;
    });
    const crash = events.find((e) => e.model === 'flaky__crash');
    expect(crash).toMatchObject({ provider: 'mcp:flaky', agent: 'tester', errorCode: 'GW_MCP_UPSTREAM_UNAVAILABLE', outcome: 'upstream_error', costMicros: 0 });
    // Calls refused while it restarted cost nothing either; the answered one costs the price.
    for (const e of events.filter((x) => x.status !== 200)) expect(e.costMicros).toBe(0);
    expect(events.filter((e) => e.status === 200).map((e) => e.costMicros)).toEqual([2_000]);
  });

  it('a call slower than timeoutMs fails with GW_MCP_TOOL_TIMEOUT at $0, and the server keeps serving', async () => {
    const client = await mcp.connect(key, { 'x-gantry-run': 'run-timeout-1' });
    const err = await callError(client, 'flaky__sleep', { ms: 5_000 });
    expect(err.code).toBe(-32001);
    expect(err.data).toMatchObject({ code: 'GW_MCP_TOOL_TIMEOUT', status: 504 });
    expect(await callOutcome(client, 'flaky__sleep', { ms: 10 })).toBe('ok');
    const events = await waitFor('both sleep calls metered', async () => {
      const e = await eventsOfRun('run-timeout-1');
      return e.length === 2 ? e : undefined;
    });
    expect(events.find((e) => e.errorCode === 'GW_MCP_TOOL_TIMEOUT')).toMatchObject({ model: 'flaky__sleep', outcome: 'upstream_error', status: 504, costMicros: 0 });
    expect(events.find((e) => e.status === 200)).toMatchObject({ costMicros: 2_000 });
  });
});

describe('Streamable HTTP upstream with a Secret credential', () => {
  /** The headers the upstream received for one seen_headers call through /mcp. */
  async function seenHeaders(): Promise<Record<string, string>> {
    const client = await mcp.connect(key, { 'x-gantry-run': 'run-http-1', 'x-gantry-workflow': 'secret-check', 'x-gantry-tags': 'case=http' });
    return JSON.parse(textOf(await client.callTool({ name: 'web__seen_headers', arguments: {} }))) as Record<string, string>;
  }
  const seenAuthorization = async () => (await seenHeaders()).authorization;

  it('sends the Secret as the credential, never the agent key; a rotated Secret reaches the upstream without a restart', { timeout: 90_000 }, async () => {
    web = await startHttpMcpTestServer({ token: HTTP_TOKEN_1 });
    const file1 = join(g.dataDir, 'web-token-1');
    writeFileSync(file1, `${HTTP_TOKEN_1}\n`, { mode: 0o600 });
    const created = await adminCli(g, 'secrets', 'create', 'web-token', '--from-file', file1, '--description', 'token of the web MCP server');
    expect(created.code, created.output).toBe(0);
    const manifest = join(g.dataDir, 'web.yaml');
    writeFileSync(manifest, `apiVersion: gantry/v1alpha1\nkind: McpServer\nmetadata: {name: web}\nspec: {url: "${web.url}", auth: {secretRef: web-token}, timeoutMs: 5000}\n`);
    const applied = await adminCli(g, 'apply', '-f', manifest);
    expect(applied.code, applied.output).toBe(0);

    const headers = await seenHeaders();
    expect(headers.authorization).toBe(`Bearer ${HTTP_TOKEN_1}`);
    for (const [name, value] of Object.entries(headers)) {
      expect(String(value), `upstream header ${name}`).not.toContain(key);
      expect(name.startsWith('x-gantry-'), `upstream header ${name}`).toBe(false);
    }

    // Rotate in Gantry first (the previous value stays valid for the default grace hour): the upstream
    // still only knows the old token, and calls keep working.
    const file2 = join(g.dataDir, 'web-token-2');
    writeFileSync(file2, `${HTTP_TOKEN_2}\n`, { mode: 0o600 });
    const rotated = await adminCli(g, 'secrets', 'rotate', 'web-token', '--from-file', file2);
    expect(rotated.code, rotated.output).toBe(0);
    expect(await seenAuthorization()).toBe(`Bearer ${HTTP_TOKEN_1}`);

    // Then rotate at the upstream (restarted on the same port with the new token): Gantry sends the new value.
    const port = web.port;
    await web.stop();
    web = await startHttpMcpTestServer({ token: HTTP_TOKEN_2, port });
    await waitFor('the upstream sees the rotated value', async () => ((await seenAuthorization().catch(() => undefined)) === `Bearer ${HTTP_TOKEN_2}` ? true : undefined), 60_000);

    const events = await eventsOfRun('run-http-1');
    expect(events.filter((e) => e.status === 200).length).toBeGreaterThanOrEqual(3);
    for (const e of events.filter((x) => x.status === 200)) expect(e).toMatchObject({ agent: 'tester', workflow: 'secret-check', tags: { case: 'http' }, provider: 'mcp:web', model: 'web__seen_headers' });
  });

  it('never shows the secret values: not in reads, status, audit, usage events or the debug log', async () => {
    const texts = [
      (await adminCli(g, 'get', 'secrets', '-o', 'json')).output,
      (await adminCli(g, 'get', 'mcpservers', '-o', 'yaml')).output,
      (await adminCli(g, 'mcp', 'status', '-o', 'json')).output,
      (await adminCli(g, 'audit', 'list', '--limit', '1000', '-o', 'json')).output,
      JSON.stringify(await usageEvents(g, 'limit=1000')),
      g.output(),
    ];
    for (const text of texts) {
      for (const secret of [STDIO_TOKEN, HTTP_TOKEN_1, HTTP_TOKEN_2]) expect(text).not.toContain(secret);
    }
    // The debug log did record the work (so the scan above read something).
    expect(g.output()).toContain('flaky');
  });
});
