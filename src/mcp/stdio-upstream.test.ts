import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MCP_TEST_SERVER } from '../../test/helpers/mcp-test-server.js';
import { GatewayError } from '../kernel/errors/index.js';
import type { Logger } from '../kernel/logger.js';
import type { McpCallResult, McpUpstream } from './contract.js';
import { createStdioUpstream, type StdioUpstreamOptions } from './stdio-upstream.js';

const SECRET = 'sk-demo-0123456789abcdef';

/** A logger that keeps every line (message and fields) as text. */
function captureLogger(lines: string[]): Logger {
  const make = (bindings: Record<string, unknown>): Logger => {
    const log =
      (level: string) =>
      (a: object | string, b?: string): void => {
        lines.push(`${level} ${JSON.stringify(bindings)} ${typeof a === 'string' ? a : `${JSON.stringify(a)} ${b ?? ''}`}`);
      };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: (more) => make({ ...bindings, ...more }) };
  };
  return make({});
}

const text = (r: McpCallResult) => (r.content[0] as { text: string }).text;
const call = (u: McpUpstream, name: string, args?: Record<string, unknown>, timeoutMs = 10_000) => u.callTool(name, args, { signal: new AbortController().signal, timeoutMs });
const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
};

const open: McpUpstream[] = [];
function start(overrides: Partial<StdioUpstreamOptions> = {}, lines: string[] = []): McpUpstream {
  const upstream = createStdioUpstream({
    server: 'tests',
    command: process.execPath,
    args: [MCP_TEST_SERVER],
    env: { DEMO_MCP_TOKEN: SECRET, EXPECT_TOKEN: SECRET },
    secretValues: [SECRET],
    parentEnv: { PATH: process.env.PATH, HOME: '/tmp', GANTRY_MASTER_KEY: 'master-key-must-not-leak', GANTRY_ADMIN_TOKEN: 'gat_admin', OPENAI_API_KEY: 'sk-openai' },
    logger: captureLogger(lines),
    now: () => performance.now(),
    backoff: { initialMs: 50, maxMs: 200, stableAfterMs: 60_000 },
    ...overrides,
  });
  open.push(upstream);
  return upstream;
}
const connected = (u: McpUpstream) => vi.waitFor(() => expect(u.status().state).toBe('connected'), { timeout: 15_000, interval: 20 });

afterEach(async () => {
  await Promise.all(open.splice(0).map((u) => u.close()));
});

describe('stdio MCP upstream (a real process)', () => {
  it('starts the process at once, lists its tools and calls them; an isError result is a result', async () => {
    const u = start();
    await connected(u);
    expect(u.status()).toMatchObject({ transport: 'stdio', state: 'connected', restarts: 0 });
    expect(u.status().pid).toBeGreaterThan(0);
    const tools = await u.listTools(new AbortController().signal);
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'add', 'delete_everything', 'sleep', 'crash']));
    expect(tools.find((t) => t.name === 'add')?.inputSchema).toMatchObject({ type: 'object', required: ['a', 'b'] });
    expect(u.status().tools).toBe(tools.length);
    expect(text(await call(u, 'echo', { text: 'hello' }))).toBe('hello');
    expect((await call(u, 'add', { a: 2, b: 3 })).structuredContent).toEqual({ sum: 5 });
    const failed = await call(u, 'fail');
    expect(failed.isError).toBe(true);
    expect(text(failed)).toContain('the fail tool failed');
  });

  it('maps a JSON-RPC error from the upstream to GW_MCP_UPSTREAM_ERROR with its message', async () => {
    const u = start();
    const err = await codeOf(call(u, 'rpc_error'));
    expect(err.code).toBe('GW_MCP_UPSTREAM_ERROR');
    expect(err.message).toMatch(/MCP server "tests" answered with an error: the test server refuses this call$/);
    expect(text(await call(u, 'echo', { text: 'still fine' }))).toBe('still fine');
  });

  it('gives the process only the safe base environment plus spec.env: no Gantry variable reaches it', async () => {
    process.env.GANTRY_TEST_LEAK = 'from-the-real-environment';
    try {
      const u = start();
      const names = JSON.parse(text(await call(u, 'env_names'))) as string[];
      expect(names).toEqual(expect.arrayContaining(['PATH', 'HOME', 'DEMO_MCP_TOKEN', 'EXPECT_TOKEN']));
      expect(names.filter((n) => n.startsWith('GANTRY_') || n === 'OPENAI_API_KEY')).toEqual([]);
      // The secret value arrived (compared inside the process; never sent back).
      expect(text(await call(u, 'whoami_token'))).toBe('token matches');
    } finally {
      delete process.env.GANTRY_TEST_LEAK;
    }
  });

  it('logs stderr lines at warn with secret values redacted', async () => {
    const lines: string[] = [];
    const u = start({ env: { DEMO_MCP_TOKEN: SECRET, STDERR_ON_START: `booting with token ${SECRET}` } }, lines);
    await call(u, 'echo', { text: 'x' });
    await vi.waitFor(() => expect(lines.some((l) => l.includes('booting with token'))).toBe(true), { timeout: 5_000 });
    const line = lines.find((l) => l.includes('booting with token')) as string;
    expect(line).toMatch(/^warn .*"mcpServer":"tests".*"childPid":\d+.*booting with token \[redacted\]/);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('replaces control characters of stderr lines (they reach logs, `gantry mcp status` and terminals)', async () => {
    const lines: string[] = [];
    const u = start({ env: { DEMO_MCP_TOKEN: SECRET, STDERR_ON_START: 'boot \u001b]0;owned\u0007\u001b[2Jdone' } }, lines);
    await call(u, 'echo', { text: 'x' });
    await vi.waitFor(() => expect(lines.some((l) => l.includes('boot'))).toBe(true), { timeout: 5_000 });
    expect(lines.find((l) => l.includes('boot'))).toContain('boot ?]0;owned??[2Jdone');
  });

  it('restarts the process after it crashes and serves again; the call that crashed it fails as unavailable', async () => {
    const u = start();
    await connected(u);
    const firstPid = u.status().pid;
    expect((await codeOf(call(u, 'crash'))).code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    await vi.waitFor(() => expect(u.status()).toMatchObject({ state: 'connected', restarts: 1 }), { timeout: 15_000, interval: 20 });
    expect(u.status().pid).not.toBe(firstPid);
    expect(u.status().lastError).toMatch(/exited.*crashing on request/);
    expect(text(await call(u, 'echo', { text: 'back' }))).toBe('back');
  });

  it('times a slow tool out as GW_MCP_TOOL_TIMEOUT and keeps the connection usable', async () => {
    const u = start();
    await connected(u);
    const err = await codeOf(call(u, 'sleep', { ms: 20_000 }, 300));
    expect(err.code).toBe('GW_MCP_TOOL_TIMEOUT');
    expect(err.message).toContain('after 300 ms');
    expect(text(await call(u, 'echo', { text: 'after timeout' }))).toBe('after timeout');
    expect(u.status().restarts).toBe(0);
  });

  it('a call cancelled by its caller rejects with the abort reason', async () => {
    const u = start();
    await connected(u);
    const controller = new AbortController();
    const pending = u.callTool('sleep', { ms: 20_000 }, { signal: controller.signal, timeoutMs: 30_000 });
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
  });

  it('refreshes the cached tools list on notifications/tools/list_changed', async () => {
    const u = start();
    const before = await u.listTools(new AbortController().signal);
    expect(before.map((t) => t.name)).not.toContain('late_tool');
    await call(u, 'register_tool', { name: 'late_tool' });
    await vi.waitFor(async () => expect((await u.listTools(new AbortController().signal)).map((t) => t.name)).toContain('late_tool'), { timeout: 5_000 });
  });

  it('a process that refuses to start (no DEMO_MCP_TOKEN) is retried with backoff; calls fail fast meanwhile', async () => {
    const u = start({ env: {}, backoff: { initialMs: 60_000 } });
    await vi.waitFor(() => expect(u.status().state).toBe('backoff'), { timeout: 15_000, interval: 20 });
    expect(u.status().lastError).toContain('DEMO_MCP_TOKEN is not set');
    const err = await codeOf(call(u, 'echo', { text: 'x' }));
    expect(err.code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    expect(err.message).toContain('restarting');
  });

  it('a command that does not exist is reported, not thrown at creation', async () => {
    const u = start({ command: '/nonexistent/mcp-server', args: [], backoff: { initialMs: 60_000 } });
    await vi.waitFor(() => expect(u.status().state).toBe('backoff'), { timeout: 15_000, interval: 20 });
    expect(u.status().lastError).toContain('ENOENT');
  });

  it('close() stops the process for good: no restart, calls fail as unavailable', async () => {
    const u = start();
    await connected(u);
    const pid = u.status().pid as number;
    await u.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(u.status()).toMatchObject({ state: 'stopped', pid: undefined });
    expect((await codeOf(call(u, 'echo', { text: 'x' }))).code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    await new Promise((r) => setTimeout(r, 150));
    expect(u.status().state).toBe('stopped');
  });

  it('close() kills a process that ignores SIGTERM', async () => {
    const lines: string[] = [];
    const u = start({}, lines);
    expect(text(await call(u, 'ignore_sigterm'))).toBe('ignoring SIGTERM');
    const pid = u.status().pid as number;
    await u.close();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(lines.some((l) => l.includes('ignoring SIGTERM'))).toBe(true);
  });

  describe('a process that never answers initialize (it ignores SIGTERM and stdin EOF)', () => {
    // Writes its pid to argv[1] and then only lives: a stuck `npx` download or a broken server.
    const STUCK = "require('node:fs').writeFileSync(process.argv[1], String(process.pid)); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let dir = '';
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    async function stuck(overrides: Partial<StdioUpstreamOptions>): Promise<{ u: McpUpstream; pid: number }> {
      dir = mkdtempSync(join(tmpdir(), 'gantry-stuck-'));
      const pidFile = join(dir, 'pid');
      const u = start({ args: ['-e', STUCK, pidFile], ...overrides });
      await vi.waitFor(() => expect(existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '').toBe(true), { timeout: 10_000, interval: 20 });
      return { u, pid: Number(readFileSync(pidFile, 'utf8')) };
    }

    it('close() while it is starting kills it before resolving (no orphan at gateway shutdown)', async () => {
      const { u, pid } = await stuck({ startTimeoutMs: 60_000 });
      expect(u.status().state).toBe('connecting');
      await u.close();
      expect(alive(pid)).toBe(false);
      expect(u.status().state).toBe('stopped');
    });

    it('is killed when startTimeoutMs passes, not left running beside its restart', async () => {
      const { u, pid } = await stuck({ startTimeoutMs: 300, backoff: { initialMs: 60_000 } });
      await vi.waitFor(() => expect(u.status().state).toBe('backoff'), { timeout: 10_000, interval: 20 });
      expect(alive(pid)).toBe(false);
    });
  });
});
