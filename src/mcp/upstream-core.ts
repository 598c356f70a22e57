import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { McpCallOptions, McpCallResult, McpToolInfo, McpUpstream, McpUpstreamStatus } from './contract.js';
import { mapUpstreamError } from './errors.js';

/** A connected client; `id` changes with every new connection (process restart, reconnect). */
export interface Connection {
  readonly client: Client;
  readonly id: number;
}

/** The options both upstream kinds take that the core uses (their own options objects fit it). */
export interface UpstreamCoreOptions {
  readonly server: string;
  /** Monotonic ms. */
  readonly now: () => number;
  /** The tools list is fetched again after this long even without a list_changed notification (default 60 s). */
  readonly toolsMaxAgeMs?: number;
  /** tools/list waits this long for a connection and an answer (default 10 s). */
  readonly listTimeoutMs?: number;
}

export interface UpstreamCoreDeps {
  /** A usable connection within waitMs, or a GatewayError (GW_MCP_UPSTREAM_UNAVAILABLE). */
  acquire(waitMs: number, signal: AbortSignal): Promise<Connection>;
  /** A request on this connection failed as a connection failure: stop using it. */
  broken(connection: Connection, err: unknown): void;
  readonly redact: (text: string) => string;
}

/** What a transport adds to the core to make an McpUpstream: its status (all but the tools count) and close. */
export interface UpstreamTransport {
  status(): Omit<McpUpstreamStatus, 'tools'>;
  close(): Promise<void>;
}

/** Longest a call waits for a connection that is being set up (process starting, HTTP initialize). */
export const MAX_CONNECT_WAIT_MS = 10_000;
const MAX_LIST_PAGES = 100;

/**
 * What both upstream kinds share: the cached tools list (refreshed on
 * notifications/tools/list_changed, on every new connection and at most every toolsMaxAgeMs
 * otherwise; concurrent refreshes share one request) and tools/call with the per-call timeout and
 * the error mapping of errors.ts.
 */
export function createUpstreamCore(options: UpstreamCoreOptions, deps: UpstreamCoreDeps) {
  const maxAgeMs = options.toolsMaxAgeMs ?? 60_000;
  const listTimeoutMs = options.listTimeoutMs ?? MAX_CONNECT_WAIT_MS;
  let cached: { tools: readonly McpToolInfo[]; at: number } | undefined;
  let stale = false;
  let refreshing: Promise<readonly McpToolInfo[]> | undefined;

  async function fetchTools(signal: AbortSignal): Promise<readonly McpToolInfo[]> {
    const started = options.now();
    const connection = await deps.acquire(listTimeoutMs, signal);
    stale = false;
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const timeout = Math.max(1, listTimeoutMs - (options.now() - started));
        const result = await connection.client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, ListToolsResultSchema, { signal, timeout });
        tools.push(...(result.tools as unknown as McpToolInfo[]));
        cursor = result.nextCursor;
        if (!cursor) break;
      }
    } catch (err) {
      throw fail(connection, err, signal, listTimeoutMs);
    }
    cached = { tools, at: options.now() };
    return tools;
  }

  function fail(connection: Connection, err: unknown, signal: AbortSignal, timeoutMs: number): unknown {
    const mapped = mapUpstreamError(err, { server: options.server, signal, timeoutMs, redact: deps.redact });
    if (!signal.aborted && (mapped as { code?: string }).code === 'GW_MCP_UPSTREAM_UNAVAILABLE') deps.broken(connection, err);
    return mapped;
  }

  async function listTools(signal: AbortSignal): Promise<readonly McpToolInfo[]> {
    if (cached && !stale && options.now() - cached.at < maxAgeMs) return cached.tools;
    // One refresh at a time; a caller that gives up does not cancel it for the others.
    refreshing ??= fetchTools(new AbortController().signal).finally(() => {
      refreshing = undefined;
    });
    const pending = refreshing;
    return await new Promise<readonly McpToolInfo[]>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async function callTool(name: string, args: Readonly<Record<string, unknown>> | undefined, call: McpCallOptions): Promise<McpCallResult> {
    const started = options.now();
    const connection = await deps.acquire(Math.min(call.timeoutMs, MAX_CONNECT_WAIT_MS), call.signal);
    const timeout = Math.max(1, call.timeoutMs - (options.now() - started));
    try {
      const params = args === undefined ? { name } : { name, arguments: { ...args } };
      // request(), not client.callTool(): a gateway passes results through; the caller validates
      // structuredContent against the tool's outputSchema if it wants to.
      const result = await connection.client.request({ method: 'tools/call', params }, CallToolResultSchema, { signal: call.signal, timeout });
      return result as McpCallResult;
    } catch (err) {
      throw fail(connection, err, call.signal, call.timeoutMs);
    }
  }

  return {
    /** The next listTools asks the upstream (list_changed, a new connection). */
    invalidate(): void {
      stale = true;
    },
    listTools,
    /** The McpUpstream over this core, with the transport's status and close. */
    upstream(transport: UpstreamTransport): McpUpstream {
      return {
        server: options.server,
        listTools,
        callTool,
        status(): McpUpstreamStatus {
          const s = transport.status();
          return { transport: s.transport, state: s.state, restarts: s.restarts, lastError: s.lastError, tools: cached?.tools.length, pid: s.pid };
        },
        close: () => transport.close(),
      };
    },
  };
}

export type UpstreamCore = ReturnType<typeof createUpstreamCore>;
