import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../../test/helpers/control-plane.js';
import type { McpUpstream } from '../../mcp/contract.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import type { McpServerSpec } from '../resources/kinds/mcp-server.js';

const YAML = ['remote', 'demo', 'broken']
  .map((name) => `apiVersion: gantry/v1alpha1\nkind: McpServer\nmetadata: {name: ${name}}\nspec: ${name === 'remote' ? '{url: "http://127.0.0.1:9/mcp"}' : '{command: node}'}\n`)
  .join('---\n');

describe('GET /admin/v1/mcpservers/status', () => {
  let cp: InProcessControlPlane;
  beforeAll(async () => {
    cp = await startControlPlane(createMemoryResourceStore(), createMemoryLedgerStore(), {
      env: { GANTRY_MCP_STDIO_ALLOW: 'node' },
      mcpUpstreamFor: (name: string, spec: McpServerSpec) => {
        if (name === 'broken') throw new Error(`McpServer "${name}": cannot set it up.`);
        return { server: name, transport: spec.url ? 'http' : 'stdio' } as unknown as McpUpstream;
      },
      mcpStatus: () => [
        { name: 'demo', transport: 'stdio', state: 'backoff', restarts: 3, lastError: 'the process exited', tools: 3, pid: undefined },
        { name: 'remote', transport: 'http', state: 'connected', restarts: 0, lastError: undefined, tools: 12, pid: undefined },
      ],
    });
    const r = await cp.call('POST', '/apply', ADMIN, YAML);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  afterAll(() => cp.close());

  it("lists every McpServer with this process's upstream state; one that could not be set up says why", async () => {
    const r = await cp.call('GET', '/mcpservers/status', ADMIN);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual([
      { name: 'broken', transport: 'stdio', state: 'not_started', restarts: 0, lastError: 'McpServer "broken": cannot set it up.', tools: null, pid: null },
      { name: 'demo', transport: 'stdio', state: 'backoff', restarts: 3, lastError: 'the process exited', tools: 3, pid: null },
      { name: 'remote', transport: 'http', state: 'connected', restarts: 0, lastError: null, tools: 12, pid: null },
    ]);
    expect([...(cp.control.snapshots.current()?.mcpServers.keys() ?? [])].sort()).toEqual(['demo', 'remote']);
  });

  it('does not shadow reading an McpServer by name', async () => {
    const r = await cp.call('GET', '/mcpservers/demo', ADMIN);
    expect(r.status).toBe(200);
    expect(r.body.spec).toEqual({ command: 'node' });
  });
});
