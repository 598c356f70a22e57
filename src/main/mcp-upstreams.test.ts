import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP_TEST_SERVER, type RunningHttpMcpServer, startHttpMcpTestServer } from '../../test/helpers/mcp-test-server.js';
import type { McpServerSpec } from '../control-plane/resources/kinds/mcp-server.js';
import type { ResolvedMcpSecret } from '../control-plane/snapshot/compile-mcp.js';
import { systemClock } from '../kernel/clock.js';
import { silentLogger } from '../kernel/logger.js';
import type { McpCallResult } from '../mcp/contract.js';
import { createMcpUpstreamRegistry, McpSetupError } from './mcp-upstreams.js';

const TOKEN = 'registry-test-token-42';
const secrets = (value: string, revision: string) => new Map<string, ResolvedMcpSecret>([['tok', { value, version: 1, revision }]]);
const stdio: McpServerSpec = { command: process.execPath, args: [MCP_TEST_SERVER], env: { DEMO_MCP_TOKEN: { secretRef: 'tok' }, EXPECT_TOKEN: TOKEN } };
const text = (r: McpCallResult) => (r.content[0] as { text: string }).text;
const opts = () => ({ signal: new AbortController().signal, timeoutMs: 15_000 });

let http: RunningHttpMcpServer;
beforeAll(async () => {
  http = await startHttpMcpTestServer({ token: TOKEN });
});
afterAll(() => http.stop());

describe('MCP upstream registry', () => {
  it('injects env secretRefs into a stdio server, reuses the upstream while unchanged, replaces it on rotation and stops the old one on sweep', async () => {
    const registry = createMcpUpstreamRegistry({ env: { PATH: process.env.PATH, GANTRY_MASTER_KEY: 'k' }, logger: silentLogger, clock: systemClock });
    try {
      const first = registry.upstreamFor('demo', stdio, secrets(TOKEN, 'uid#1'));
      expect(text(await first.callTool('whoami_token', undefined, opts()))).toBe('token matches');
      registry.sweep();
      expect(registry.upstreamFor('demo', stdio, secrets(TOKEN, 'uid#1'))).toBe(first);
      registry.sweep();
      expect(first.status().state).toBe('connected');
      // A new price, timeout or tool filter is snapshot data: the process keeps running (no restart, no call dropped).
      const pid = first.status().pid;
      const repriced: McpServerSpec = { ...stdio, description: 'demo', timeoutMs: 5_000, pricing: { perCall: '0.01' }, tools: { deny: ['crash'] } };
      expect(registry.upstreamFor('demo', repriced, secrets(TOKEN, 'uid#1'))).toBe(first);
      registry.sweep();
      expect(first.status()).toMatchObject({ state: 'connected', pid, restarts: 0 });
      // A rotated Secret (new revision) and a changed spec each make a new upstream.
      const rotated = registry.upstreamFor('demo', stdio, secrets('rotated-value', 'uid#2'));
      expect(rotated).not.toBe(first);
      registry.sweep();
      await expect.poll(() => first.status().state).toBe('stopped');
      expect(text(await rotated.callTool('whoami_token', undefined, opts()))).toBe('token differs');
      expect(registry.status()).toEqual([expect.objectContaining({ name: 'demo', transport: 'stdio', state: 'connected' })]);
    } finally {
      await registry.closeAll();
    }
  });

  it('sends the auth secret as `authorization: Bearer <value>` by default, or in the configured header and scheme', async () => {
    const registry = createMcpUpstreamRegistry({ env: {}, logger: silentLogger, clock: systemClock });
    try {
      const remote = registry.upstreamFor('remote', { url: http.url, auth: { secretRef: 'tok' }, headers: { 'x-team': 'a' } }, secrets(TOKEN, 'uid#1'));
      const seen = JSON.parse(text(await remote.callTool('seen_headers', undefined, opts()))) as Record<string, string>;
      expect(seen).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-team': 'a' });
      const bare = registry.upstreamFor('bare', { url: http.url, auth: { secretRef: 'tok', header: 'Authorization', scheme: '' } }, secrets(`Bearer ${TOKEN}`, 'uid#1'));
      expect(text(await bare.callTool('echo', { text: 'ok' }, opts()))).toBe('ok');
      expect(registry.status().map((s) => [s.name, s.transport])).toEqual([
        ['bare', 'http'],
        ['remote', 'http'],
      ]);
    } finally {
      await registry.closeAll();
      expect(registry.status()).toEqual([]);
    }
  });

  it('refuses to set up a server whose Secret is missing or whose spec is incomplete (no secret value in the message)', () => {
    const registry = createMcpUpstreamRegistry({ env: {}, logger: silentLogger, clock: systemClock });
    expect(() => registry.upstreamFor('demo', stdio, new Map())).toThrow(McpSetupError);
    expect(() => registry.upstreamFor('demo', stdio, new Map())).toThrow('McpServer "demo": spec.env.DEMO_MCP_TOKEN.secretRef names Secret "tok", which does not exist or could not be read.');
    expect(() => registry.upstreamFor('x', {}, new Map())).toThrow('set exactly one of spec.url (Streamable HTTP) and spec.command (stdio)');
    expect(registry.status()).toEqual([]);
  });
});
