import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Logger } from '../kernel/logger.js';
import { createGatewayClient } from './client.js';
import type { McpUpstream } from './contract.js';
import { errorText } from './errors.js';
import { createRedactor } from './redact.js';
import { childEnvironment } from './safe-env.js';
import { type Incarnation, createSupervisor } from './supervisor.js';
import { createUpstreamCore } from './upstream-core.js';

export interface StdioUpstreamOptions {
  readonly server: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  /** The McpServer's spec.env with secretRefs already resolved to their values. */
  readonly env?: Readonly<Record<string, string>>;
  /** Values never to log or show (the resolved secrets in env). */
  readonly secretValues?: readonly string[];
  /** Gantry's environment: only the safe base of safe-env.ts is taken from it. */
  readonly parentEnv: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** Monotonic ms. */
  readonly now: () => number;
  /** Restart backoff (defaults: 500 ms doubling to 30 s, reset after 10 s up). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number; readonly stableAfterMs?: number };
  /** A process that has not answered initialize after this long is killed and restarted (default 30 s). */
  readonly startTimeoutMs?: number;
  readonly toolsMaxAgeMs?: number;
}

const KILL_AFTER_MS = 2_000;
const MAX_STDERR_LINE = 2_000;
/** Control characters (ANSI escapes, BEL, backspace…): a child's stderr reaches `gantry mcp status` and terminals. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * The SDK's transport forgets its process as soon as it is closed (pid → null), and a failed connect
 * closes it: the pid is kept from the spawn so a process that failed to start can still be killed.
 */
class TrackedStdioTransport extends StdioClientTransport {
  spawnedPid: number | undefined;
  override async start(): Promise<void> {
    await super.start();
    this.spawnedPid = this.pid ?? undefined;
  }
}

/** SIGTERM, then SIGKILL if the process is still there after KILL_AFTER_MS. */
async function terminate(pid: number | undefined, exited: Promise<unknown>): Promise<void> {
  if (pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const gone = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), KILL_AFTER_MS)))]);
  clearTimeout(timer);
  if (!gone) {
    signal('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1_000).unref())]);
  }
}

/**
 * An McpServer with spec.command: Gantry starts the process at once (stdio transport of the SDK)
 * with only a safe base environment plus spec.env, restarts it with backoff when it exits, logs its
 * stderr at warn with secret values redacted, and stops it (SIGTERM, then SIGKILL after 2 s) on close.
 */
export function createStdioUpstream(options: StdioUpstreamOptions): McpUpstream {
  const redact = createRedactor(options.secretValues ?? []);
  const log = options.logger.child({ mcpServer: options.server });
  const env = childEnvironment(options.parentEnv, options.env ?? {});
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;

  async function start(stopping: AbortSignal): Promise<Incarnation<Client>> {
    const transport = new TrackedStdioTransport({ command: options.command, args: [...(options.args ?? [])], cwd: options.cwd, env, stderr: 'pipe' });
    let lastStderr: string | undefined;
    const stderr = transport.stderr as Readable | null;
    if (stderr) {
      const lines = createInterface({ input: stderr, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on('line', (raw) => {
        const line = redact(raw.length > MAX_STDERR_LINE ? `${raw.slice(0, MAX_STDERR_LINE)}…` : raw).replace(CONTROL, '?');
        if (line.trim() === '') return;
        lastStderr = line;
        log.warn({ childPid: transport.pid ?? undefined, stream: 'stderr' }, line);
      });
    }
    const client = createGatewayClient(() => core.invalidate());
    let resolveExit: (reason: string) => void = () => {};
    const exited = new Promise<string>((r) => {
      resolveExit = r;
    });
    client.onclose = () => {
      // Give the stderr reader a moment: the last line usually says why the process stopped.
      setImmediate(() => resolveExit(`the process exited${lastStderr ? ` (last stderr line: ${lastStderr})` : ''}`));
    };
    client.onerror = (err) => log.debug({ err: errorText(err, redact) }, 'MCP stdio transport error');
    try {
      // Closed while starting (shutdown, a replaced McpServer): stop waiting and kill the process below.
      await client.connect(transport, { timeout: startTimeoutMs, signal: stopping });
    } catch (err) {
      await terminate(transport.spawnedPid, exited);
      await client.close().catch(() => {});
      await new Promise((r) => setImmediate(r));
      const why = errorText(err, redact);
      throw new Error(`could not start "${options.command}": ${why}${lastStderr && !why.includes(lastStderr) ? ` (last stderr line: ${lastStderr})` : ''}`);
    }
    core.invalidate();
    const pid = transport.spawnedPid;
    log.info({ childPid: pid }, 'MCP server process started');
    // List the tools once it is up (it runs anyway): status shows the count, the first client waits less.
    setImmediate(() => void core.listTools(new AbortController().signal).catch(() => {}));
    return {
      value: client,
      pid,
      exited,
      async stop() {
        await terminate(pid, exited);
        await client.close().catch(() => {});
      },
    };
  }

  const supervisor = createSupervisor<Client>({
    server: options.server,
    start,
    now: options.now,
    initialBackoffMs: options.backoff?.initialMs,
    maxBackoffMs: options.backoff?.maxMs,
    stableAfterMs: options.backoff?.stableAfterMs,
    onFailure: (reason, delayMs, restarts) => log.warn({ delayMs, restarts }, `MCP server process stopped: ${reason}; restarting in ${delayMs} ms`),
  });
  const core = createUpstreamCore(options, {
    acquire: async (waitMs, signal) => {
      const { value, id } = await supervisor.acquire(waitMs, signal);
      return { client: value, id };
    },
    broken: (connection) => supervisor.broken(connection.id),
    redact,
  });

  return core.upstream({
    status: () => {
      const s = supervisor.status();
      return { transport: 'stdio', state: s.state, restarts: s.restarts, lastError: s.lastError, pid: s.pid };
    },
    close: () => supervisor.close(),
  });
}
