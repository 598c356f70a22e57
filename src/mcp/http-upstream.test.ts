import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningHttpMcpServer, startHttpMcpTestServer } from '../../test/helpers/mcp-test-server.js';
import { GatewayError } from '../kernel/errors/index.js';
import { silentLogger } from '../kernel/logger.js';
import type { McpCallResult, McpUpstream } from './contract.js';
import { createHttpUpstream, type HttpUpstreamOptions } from './http-upstream.js';

const TOKEN = 'mcp-upstream-token-0123456789';
const text = (r: McpCallResult) => (r.content[0] as { text: string }).text;
const call = (u: McpUpstream, name: string, args?: Record<string, unknown>, timeoutMs = 10_000) => u.callTool(name, args, { signal: new AbortController().signal, timeoutMs });
const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
};

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

let upstream: RunningHttpMcpServer;
const open: McpUpstream[] = [];
function connect(overrides: Partial<HttpUpstreamOptions> = {}): McpUpstream {
  const u = createHttpUpstream({
    server: 'remote',
    url: upstream.url,
    headers: { 'x-team': 'payments' },
    credential: { header: 'authorization', scheme: 'Bearer', value: TOKEN },
    logger: silentLogger,
    now: () => performance.now(),
    wallClock: () => Date.now(),
    ...overrides,
  });
  open.push(u);
  return u;
}

beforeAll(async () => {
  upstream = await startHttpMcpTestServer({ token: TOKEN });
});
afterAll(() => upstream.stop());
afterEach(async () => {
  await Promise.all(open.splice(0).map((u) => u.close()));
});

describe('Streamable HTTP MCP upstream (a real server)', () => {
  it('connects on first use with the bearer from the resolved secret, lists and calls tools', async () => {
    const u = connect();
    expect(u.status()).toMatchObject({ transport: 'http', state: 'connecting', tools: undefined, pid: undefined });
    const tools = await u.listTools(new AbortController().signal);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'add', 'delete_everything']));
    expect(u.status()).toMatchObject({ state: 'connected', tools: tools.length, lastError: undefined });
    expect(text(await call(u, 'echo', { text: 'over http' }))).toBe('over http');
    expect((await call(u, 'add', { a: 40, b: 2 })).structuredContent).toEqual({ sum: 42 });
    expect((await call(u, 'fail')).isError).toBe(true);
  });

  it('sends only its own headers upstream: the credential, spec.headers and what the transport needs', async () => {
    const u = connect();
    const seen = JSON.parse(text(await call(u, 'seen_headers'))) as Record<string, string>;
    expect(seen.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen['x-team']).toBe('payments');
    const expected = ['accept', 'accept-encoding', 'accept-language', 'authorization', 'connection', 'content-length', 'content-type', 'host', 'mcp-protocol-version', 'sec-fetch-mode', 'user-agent', 'x-team'];
    expect(Object.keys(seen).filter((h) => !expected.includes(h))).toEqual([]);
  });

  it('a credential the upstream refuses fails as unavailable with a clear auth message (no secret in it), then backs off', async () => {
    const u = connect({ credential: { header: 'authorization', scheme: 'Bearer', value: 'wrong-secret-value' }, backoff: { initialMs: 60_000 } });
    const err = await failure(call(u, 'echo', { text: 'x' }));
    expect(err.code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain(`MCP server "remote" refused Gantry's credential (HTTP 401)`);
    expect(u.status()).toMatchObject({ state: 'backoff' });
    expect(u.status().lastError).toContain('HTTP 401');
    expect(JSON.stringify(u.status()) + err.message).not.toContain('wrong-secret-value');
    // During the backoff a call fails at once, without another attempt.
    expect((await failure(call(u, 'echo', { text: 'x' }))).message).toMatch(/retrying in \d+ s/);
  });

  it('after a rotation, retries once with the previous value while it is in its grace window', async () => {
    const rotated = connect({ credential: { header: 'authorization', scheme: 'Bearer', value: 'the-new-value', previous: { value: TOKEN, validUntil: Date.now() + 60_000 } } });
    expect(text(await call(rotated, 'echo', { text: 'grace' }))).toBe('grace');
    const seen = JSON.parse(text(await call(rotated, 'seen_headers'))) as Record<string, string>;
    expect(seen.authorization).toBe(`Bearer ${TOKEN}`);
    const expired = connect({ credential: { header: 'authorization', scheme: 'Bearer', value: 'the-new-value', previous: { value: TOKEN, validUntil: Date.now() - 1 } } });
    expect((await failure(call(expired, 'echo', { text: 'x' }))).message).toContain('HTTP 401');
  });

  it('a custom header and scheme carry the credential as configured', async () => {
    const u = connect({ credential: { header: 'authorization', scheme: '', value: `Bearer ${TOKEN}` } });
    expect(text(await call(u, 'echo', { text: 'bare value' }))).toBe('bare value');
  });

  it('times a slow tool out as GW_MCP_TOOL_TIMEOUT', async () => {
    const u = connect();
    const err = await failure(call(u, 'sleep', { ms: 20_000 }, 300));
    expect(err.code).toBe('GW_MCP_TOOL_TIMEOUT');
    expect(text(await call(u, 'echo', { text: 'next' }))).toBe('next');
  });

  it('maps a JSON-RPC error to GW_MCP_UPSTREAM_ERROR', async () => {
    const u = connect();
    const err = await failure(call(u, 'rpc_error'));
    expect(err.code).toBe('GW_MCP_UPSTREAM_ERROR');
    expect(err.message).toContain('the test server refuses this call');
  });

  it('an upstream that does not answer is unavailable; the next use after the backoff connects again', async () => {
    const port = await closedPort();
    const u = connect({ url: `http://127.0.0.1:${port}/mcp`, backoff: { initialMs: 50 } });
    const err = await failure(call(u, 'echo', { text: 'x' }));
    expect(err.code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain('is not reachable');
    const late = await startHttpMcpTestServer({ token: TOKEN, port });
    try {
      await vi.waitFor(async () => expect(text(await call(u, 'echo', { text: 'up now' }))).toBe('up now'), { timeout: 10_000, interval: 100 });
      expect(u.status().state).toBe('connected');
    } finally {
      await u.close();
      await late.stop();
    }
  });
});
