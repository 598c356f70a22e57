import { afterEach, describe, expect, it } from 'vitest';
import { type InProcessControlPlane, startControlPlane, TEST_ADMIN_TOKEN as ADMIN } from '../../../test/helpers/control-plane.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { systemActor } from '../rbac/roles.js';
import { createMcpStdioPolicy } from './env-policy.js';

const H = 'apiVersion: gantry/v1alpha1\nkind: McpServer\n';
const META = { requestId: 'test', sourceIp: undefined };
const server = (name: string, spec: string) => `${H}metadata: {name: ${name}}\nspec: ${spec}\n`;

let cp: InProcessControlPlane;
afterEach(() => cp.close());
const start = async (env: Record<string, string> = {}) => {
  cp = await startControlPlane(createMemoryResourceStore(), createMemoryLedgerStore(), { env });
};
const problems = async (yaml: string) => {
  const r = await cp.call('POST', '/apply', ADMIN, yaml);
  return r.status === 200 ? [] : (r.body.error.details as Array<{ path: string; message: string }>);
};

describe('McpServer apply checks', () => {
  it('takes exactly one of url and command; auth and headers only with url; args, env and cwd only with command', async () => {
    await start({ GANTRY_MCP_STDIO_ALLOW: 'node' });
    expect(await problems(server('none', '{description: nothing}'))).toEqual([expect.objectContaining({ path: 'spec', message: expect.stringContaining('exactly one of url (a Streamable HTTP server) and command') })]);
    expect(await problems(server('both', '{url: "https://x/mcp", command: node}'))).toEqual([expect.objectContaining({ path: 'spec' })]);
    expect((await problems(server('http', '{url: "https://x/mcp", args: [a], env: {A: b}, cwd: /tmp}'))).map((p) => p.path)).toEqual(['spec.args', 'spec.env', 'spec.cwd']);
    expect((await problems(server('stdio', '{command: node, auth: {secretRef: tok}, headers: {x-a: b}}'))).map((p) => p.path)).toEqual(expect.arrayContaining(['spec.auth', 'spec.headers']));
    expect(await problems(server('fine-http', '{url: "https://x/mcp", headers: {x-team: a}}'))).toEqual([]);
    expect(await problems(server('fine-stdio', '{command: node, args: [demo.mjs], env: {MODE: demo}}'))).toEqual([]);
  });

  it('through the API, a stdio server may run only a command GANTRY_MCP_STDIO_ALLOW lists; gantry.yaml may run any', async () => {
    await start();
    const [refused] = await problems(server('demo', '{command: node, args: [examples/mcp/demo-server.mjs]}'));
    expect(refused).toMatchObject({ path: 'spec.command', message: expect.stringContaining('"node" may not be started by an McpServer applied through the API (allowed: none') });
    const seeded = await cp.control.apply.applyText(systemActor('system:gantry.yaml'), server('demo', '{command: node, args: [examples/mcp/demo-server.mjs]}'), { dryRun: false, seed: true }, META);
    expect(seeded.results[0]?.action).toBe('created');
    // Re-applying the same process definition through the API (e.g. to change its price) is allowed…
    expect(await problems(server('demo', '{command: node, args: [examples/mcp/demo-server.mjs], pricing: {perCall: "0.01"}}'))).toEqual([]);
    // …changing what runs is not: args, env (NODE_OPTIONS could load any code) or the command.
    expect((await problems(server('demo', '{command: node, args: [-e, "evil()"]}')))[0]?.path).toBe('spec.command');
    expect((await problems(server('demo', '{command: node, args: [examples/mcp/demo-server.mjs], env: {NODE_OPTIONS: "--require /tmp/x.js"}}')))[0]?.path).toBe('spec.command');
  });

  it('refuses a name with "__": /mcp names are <server>__<tool>, split at the first "__"', async () => {
    await start();
    const [refused] = await problems(server('team__tools', '{url: "https://x/mcp"}'));
    expect(refused).toMatchObject({ path: 'metadata.name', message: expect.stringContaining('without "__"') });
    expect(await problems(server('team_tools.v2', '{url: "https://x/mcp"}'))).toEqual([]);
  });

  it('GANTRY_MCP_STDIO_ALLOW matches bare names and exact paths only', () => {
    const policy = createMcpStdioPolicy(' node , /opt/mcp/bin/server ');
    expect(['node', '/opt/mcp/bin/server'].every(policy.allowed)).toBe(true);
    expect(['/tmp/node', './node', '/opt/mcp/bin/server2', 'python'].some(policy.allowed)).toBe(false);
    expect(policy.text).toBe('node, /opt/mcp/bin/server');
    expect(createMcpStdioPolicy(undefined)).toMatchObject({ text: 'none' });
  });
});
