/**
 * The contract between the MCP gateway (data plane) and an upstream MCP server connection (this
 * folder: Streamable HTTP client, supervised stdio process). Like providers/contract.ts: the data
 * plane imports only this file; main/ creates upstreams from McpServer resources.
 */

/** A tool as the upstream lists it (tools/list), passed through to clients unchanged except its name. */
export interface McpToolInfo {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema: { readonly type: 'object'; readonly [k: string]: unknown };
  readonly outputSchema?: { readonly type: 'object'; readonly [k: string]: unknown };
  readonly annotations?: Readonly<Record<string, unknown>>;
}

/** A tools/call result as the upstream returned it (content blocks passed through). */
export interface McpCallResult {
  readonly content: readonly unknown[];
  readonly structuredContent?: Readonly<Record<string, unknown>>;
  /** The tool itself reported an error (still a completed call, metered and priced). */
  readonly isError?: boolean;
}

export interface McpUpstreamStatus {
  readonly transport: 'http' | 'stdio';
  /** connected: initialized and usable; connecting: first connect or reconnect in progress; backoff: waiting to restart after a failure; stopped: closed. */
  readonly state: 'connected' | 'connecting' | 'backoff' | 'stopped';
  /** stdio: times the process was restarted after it exited or failed. */
  readonly restarts: number;
  /** The last failure, for operators (never a secret value). */
  readonly lastError: string | undefined;
  /** Tools in the cached list (undefined: not listed yet). */
  readonly tools: number | undefined;
  /** stdio: the running process id. */
  readonly pid: number | undefined;
}

export interface McpCallOptions {
  readonly signal: AbortSignal;
  /** The call fails with GW_MCP_TOOL_TIMEOUT after this long. */
  readonly timeoutMs: number;
}

/**
 * One upstream MCP server. Errors are GatewayErrors: GW_MCP_UPSTREAM_UNAVAILABLE (cannot connect /
 * process down), GW_MCP_TOOL_TIMEOUT, GW_MCP_UPSTREAM_ERROR (a JSON-RPC error from the upstream).
 * The upstream never sees the caller's Gantry key: it gets only the credential of its McpServer.
 */
export interface McpUpstream {
  readonly server: string;
  /** The upstream's tools (cached; refreshed on notifications/tools/list_changed and after a reconnect). */
  listTools(signal: AbortSignal): Promise<readonly McpToolInfo[]>;
  callTool(name: string, args: Readonly<Record<string, unknown>> | undefined, options: McpCallOptions): Promise<McpCallResult>;
  status(): McpUpstreamStatus;
  close(): Promise<void>;
}
