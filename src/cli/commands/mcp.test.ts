import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { harness } from '../../../test/helpers/cli-harness.js';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import type { McpUpstream } from '../../mcp/contract.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { ArgsError } from '../args.js';
import type { CliContext } from '../context.js';
import { mcpVerb } from './mcp.js';

const YAML = `apiVersion: gantry/v1alpha1
kind: McpServer
metadata: {name: demo}
spec: {command: node, args: [examples/mcp/demo-server.mjs]}
---
apiVersion: gantry/v1alpha1
kind: McpServer
metadata: {name: search}
spec: {url: "https://mcp.example.com/mcp"}
`;

describe('gantry mcp status (against a real admin API)', () => {
  let cp: InProcessControlPlane;
  let out = '';
  let ctx: CliContext;

  beforeAll(async () => {
    cp = await startControlPlane(createMemoryResourceStore(), createMemoryLedgerStore(), {
      env: { GANTRY_MCP_STDIO_ALLOW: 'node' },
      mcpUpstreamFor: (name: string) => ({ server: name }) as unknown as McpUpstream,
      mcpStatus: () => [
        { name: 'demo', transport: 'stdio', state: 'connected', restarts: 2, lastError: 'the process exited (last stderr line: boom)', tools: 3, pid: 4242 },
        { name: 'search', transport: 'http', state: 'connecting', restarts: 0, lastError: undefined, tools: undefined, pid: undefined },
      ],
    });
    expect((await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, YAML)).status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'gantry-mcp-cli-'));
    ctx = {
      env: { XDG_CONFIG_HOME: join(dir, 'config'), GANTRY_URL: cp.url, GANTRY_TOKEN: TEST_ADMIN_TOKEN },
      cwd: dir,
      out: (t) => {
        out += t;
      },
      err: () => {},
      fetch: globalThis.fetch,
      now: () => Date.now(),
      readStdin: async () => '',
    };
  });
  afterAll(() => cp.close());

  it('prints one line per McpServer: transport, state, tools, restarts, pid, last error', async () => {
    out = '';
    expect(await mcpVerb.run(['status'], ctx)).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TRANSPORT\s+STATE\s+TOOLS\s+RESTARTS\s+PID\s+LAST-ERROR$/);
    expect(lines[1]).toMatch(/^demo\s+stdio\s+connected\s+3\s+2\s+4242\s+the process exited \(last stderr line: boom\)$/);
    expect(lines[2]).toMatch(/^search\s+http\s+connecting\s+-\s+0\s+-\s+-$/);
    expect(lines).toHaveLength(3);
  });

  it('-o json and -o yaml print every field', async () => {
    out = '';
    await mcpVerb.run(['status', '-o', 'json'], ctx);
    expect(JSON.parse(out)).toEqual([
      { name: 'demo', transport: 'stdio', state: 'connected', restarts: 2, lastError: 'the process exited (last stderr line: boom)', tools: 3, pid: 4242 },
      { name: 'search', transport: 'http', state: 'connecting', restarts: 0, lastError: null, tools: null, pid: null },
    ]);
    out = '';
    await mcpVerb.run(['status', '-o', 'yaml'], ctx);
    expect(parse(out)).toHaveLength(2);
  });

  it('rejects bad arguments before calling the server', async () => {
    const h = harness(() => Response.json({ data: [] }));
    await expect(h.run(mcpVerb, [])).rejects.toThrow(ArgsError);
    await expect(h.run(mcpVerb, ['restart'])).rejects.toThrow(/unknown subcommand "restart"/);
    await expect(h.run(mcpVerb, ['status', '-o', 'wide'])).rejects.toThrow(/-o must be/);
    expect(h.calls).toHaveLength(0);
    await h.run(mcpVerb, ['status']);
    expect(h.calls[0]?.path).toBe('/mcpservers/status');
    expect(h.err()).toContain('No McpServers');
  });
});
