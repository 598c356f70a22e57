import type { ErrorCode, GatewayError } from '../../kernel/errors/index.js';

/**
 * JSON-RPC error codes of the MCP gateway (docs/mcp.md#errors). The stable, precise code is always
 * in `error.data.code` (GW_*); the JSON-RPC code is the class, for clients that only look at it.
 *   -32602 invalid params: GW_TOOL_NOT_FOUND, GW_REQUEST_INVALID (the JSON-RPC/MCP spec's code for an unknown tool)
 *   -32001 request timeout: GW_MCP_TOOL_TIMEOUT (the SDK's RequestTimeout)
 *   -32003 forbidden: GW_TOOL_NOT_ALLOWED, GW_POLICY_DENIED, GW_AGENT_NOT_ALLOWED, authentication failures
 *   -32004 limited: GW_BUDGET_EXHAUSTED, GW_RATE_LIMITED, GW_LIMITS_UNAVAILABLE
 *   -32005 upstream: GW_MCP_UPSTREAM_UNAVAILABLE, GW_MCP_UPSTREAM_ERROR, GW_MCP_SERVER_NOT_FOUND
 *   -32603 internal: everything else (GW_SECRET_UNAVAILABLE, GW_INTERNAL, ...)
 */
export const RPC_CODES: Readonly<Partial<Record<ErrorCode, number>>> = {
  GW_TOOL_NOT_FOUND: -32602,
  GW_REQUEST_INVALID: -32602,
  GW_REQUEST_MALFORMED_JSON: -32700,
  GW_REQUEST_TOO_LARGE: -32600,
  GW_MCP_TOOL_TIMEOUT: -32001,
  GW_TOOL_NOT_ALLOWED: -32003,
  GW_POLICY_DENIED: -32003,
  GW_AGENT_NOT_ALLOWED: -32003,
  GW_AUTH_KEY_MISSING: -32003,
  GW_AUTH_KEY_INVALID: -32003,
  GW_KEY_EXPIRED: -32003,
  GW_BUDGET_EXHAUSTED: -32004,
  GW_RATE_LIMITED: -32004,
  GW_LIMITS_UNAVAILABLE: -32004,
  GW_MCP_UPSTREAM_UNAVAILABLE: -32005,
  GW_MCP_UPSTREAM_ERROR: -32005,
  GW_MCP_SERVER_NOT_FOUND: -32005,
};

export function rpcCodeOf(code: ErrorCode): number {
  return RPC_CODES[code] ?? -32603;
}

/** What `error.data` carries: the GW code, its HTTP-equivalent status, and retryAfter (seconds) when waiting helps. */
export interface RpcErrorData {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfter?: number;
}

function dataOf(err: GatewayError): RpcErrorData {
  return err.retryAfter === undefined ? { code: err.code, status: err.status } : { code: err.code, status: err.status, retryAfter: err.retryAfter };
}

/**
 * What a request handler throws so the SDK answers a JSON-RPC error with Gantry's message: the SDK
 * copies `code`, `message` and `data` of the thrown error (an McpError would prefix "MCP error <n>:").
 */
export class RpcError extends Error {
  readonly code: number;
  readonly data: RpcErrorData;
  constructor(err: GatewayError) {
    super(err.message);
    this.name = 'RpcError';
    this.code = rpcCodeOf(err.code);
    this.data = dataOf(err);
  }
}

/** The body of an error answered at the HTTP level (bad key, unknown server, bad body): JSON-RPC shaped. */
export function rpcErrorBody(err: GatewayError): string {
  return JSON.stringify({ jsonrpc: '2.0', error: { code: rpcCodeOf(err.code), message: err.message, data: dataOf(err) }, id: null });
}
