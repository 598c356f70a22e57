import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { GatewayError } from '../kernel/errors/index.js';
import type { Logger } from '../kernel/logger.js';
import { createGatewayClient } from './client.js';
import type { McpUpstream, McpUpstreamStatus } from './contract.js';
import { type UpstreamCredential, credentialFetch } from './credential-fetch.js';
import { errorText, mapUpstreamError } from './errors.js';
import { createRedactor } from './redact.js';
import { type Connection, createUpstreamCore } from './upstream-core.js';

export interface HttpUpstreamOptions {
  readonly server: string;
  readonly url: string;
  /** Plain (non-secret) headers of the McpServer. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly credential?: UpstreamCredential;
  readonly logger: Logger;
  /** Monotonic ms (backoff, cache age). */
  readonly now: () => number;
  /** Wall clock, epoch ms (the Secret's grace window). */
  readonly wallClock: () => number;
  /** Connection attempts after a failure wait initialMs, doubling to maxMs (defaults 500 ms, 30 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  /** initialize must answer within this long (default 10 s). */
  readonly connectTimeoutMs?: number;
  readonly toolsMaxAgeMs?: number;
  readonly fetch?: FetchLike;
}

/**
 * An McpServer with spec.url: a Streamable HTTP client that connects on first use, reconnects on
 * the next use after a connection failure (failed attempts back off), and sends only the
 * McpServer's own headers and credential upstream.
 */
export function createHttpUpstream(options: HttpUpstreamOptions): McpUpstream {
  const secrets = options.credential ? [options.credential.value, ...(options.credential.previous ? [options.credential.previous.value] : [])] : [];
  const redact = createRedactor(secrets);
  const log = options.logger.child({ mcpServer: options.server });
  const initialBackoff = options.backoff?.initialMs ?? 500;
  const maxBackoff = options.backoff?.maxMs ?? 30_000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const fetchWithCredential = credentialFetch({ headers: options.headers, credential: options.credential, now: options.wallClock, fetch: options.fetch });

  let state: McpUpstreamStatus['state'] = 'connecting';
  let current: Connection | undefined;
  let connecting: Promise<Connection> | undefined;
  let ids = 0;
  let connections = 0;
  let failures = 0;
  let retryAt = 0;
  let lastError: string | undefined;

  async function connect(): Promise<Connection> {
    const client: Client = createGatewayClient(() => core.invalidate());
    const transport = new StreamableHTTPClientTransport(new URL(options.url), { fetch: fetchWithCredential });
    try {
      await client.connect(transport, { timeout: connectTimeoutMs });
    } catch (err) {
      await client.close().catch(() => {});
      const mapped = mapUpstreamError(err, { server: options.server, redact });
      if (state !== 'stopped') {
        failures++;
        retryAt = options.now() + Math.min(initialBackoff * 2 ** (failures - 1), maxBackoff);
        lastError = errorText(mapped, redact);
        state = 'backoff';
        log.warn({ failures, retryInMs: retryAt - options.now() }, `cannot connect to the MCP server: ${lastError}`);
      }
      throw mapped;
    }
    const connection: Connection = { client, id: ++ids };
    if (state === 'stopped') {
      await client.close().catch(() => {});
      throw new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${options.server}" is stopped.`);
    }
    client.onclose = () => {
      if (current === connection) drop(connection, 'the connection closed');
    };
    connections++;
    failures = 0;
    current = connection;
    state = 'connected';
    core.invalidate();
    return connection;
  }

  function drop(connection: Connection, why: string): void {
    if (current !== connection) return;
    current = undefined;
    lastError = why;
    if (state !== 'stopped') state = 'connecting';
    void connection.client.close().catch(() => {});
  }

  async function acquire(waitMs: number, signal: AbortSignal): Promise<Connection> {
    signal.throwIfAborted();
    if (current) return current;
    if (state === 'stopped') throw new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${options.server}" is stopped (its McpServer was changed or removed).`);
    if (!connecting && options.now() < retryAt) {
      throw new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${options.server}" is not reachable (${lastError ?? 'connection failed'}); retrying in ${Math.ceil((retryAt - options.now()) / 1000)} s.`);
    }
    state = 'connecting';
    connecting ??= connect().finally(() => {
      connecting = undefined;
    });
    const pending = connecting;
    return await new Promise<Connection>((resolve, reject) => {
      const timer = setTimeout(() => reject(new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${options.server}" did not finish connecting within ${waitMs} ms.`)), waitMs);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(resolve, reject).finally(() => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  const core = createUpstreamCore(options, {
    acquire,
    broken: (connection, err) => drop(connection, errorText(mapUpstreamError(err, { server: options.server, redact }), redact)),
    redact,
  });

  return core.upstream({
    status: () => ({ transport: 'http', state, restarts: Math.max(0, connections - 1), lastError, pid: undefined }),
    async close(): Promise<void> {
      state = 'stopped';
      const connection = current;
      current = undefined;
      // Best effort: a session-ful upstream is told the session ended (DELETE), then the client closes.
      const transport = connection?.client.transport as StreamableHTTPClientTransport | undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([transport?.terminateSession().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
      clearTimeout(timer);
      await connection?.client.close().catch(() => {});
    },
  });
}
