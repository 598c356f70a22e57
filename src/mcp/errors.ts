import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError } from '../kernel/errors/index.js';

const MAX_UPSTREAM_MESSAGE = 500;

/** The SDK prefixes "MCP error <code>: " on each hop; the user needs the upstream's words once. */
function upstreamWords(message: string): string {
  const words = message.replace(/^(MCP error -?\d+: )+/, '');
  return words.length > MAX_UPSTREAM_MESSAGE ? `${words.slice(0, MAX_UPSTREAM_MESSAGE)}…` : words;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause instanceof Error && cause.message && !err.message.includes(cause.message) ? ` (${cause.message})` : '';
    return `${err.message}${detail}`;
  }
  return String(err);
}

export interface MapContext {
  readonly server: string;
  readonly signal?: AbortSignal;
  /** The call's timeout, for the timeout message. */
  readonly timeoutMs?: number;
  /** Removes secret values from text (an upstream may echo its credential). */
  readonly redact: (text: string) => string;
}

/** An HTTP status the upstream answered that means Gantry's credential was refused. */
export function authRefused(err: unknown): boolean {
  return err instanceof StreamableHTTPError && (err.code === 401 || err.code === 403);
}

/**
 * Maps whatever the SDK threw to the catalogue: a timeout → GW_MCP_TOOL_TIMEOUT (the SDK has sent
 * notifications/cancelled upstream); a JSON-RPC error the upstream answered → GW_MCP_UPSTREAM_ERROR
 * (its message included, truncated); anything about the connection or process →
 * GW_MCP_UPSTREAM_UNAVAILABLE. A caller's abort is passed on as its reason. No `cause` is attached:
 * loggers print causes, and an upstream's error text may echo the credential it was sent.
 */
export function mapUpstreamError(err: unknown, ctx: MapContext): unknown {
  if (ctx.signal?.aborted) return ctx.signal.reason ?? err;
  if (err instanceof GatewayError) return err;
  const who = `MCP server "${ctx.server}"`;
  if (err instanceof McpError) {
    if (err.code === ErrorCode.RequestTimeout) {
      const after = ctx.timeoutMs === undefined ? '' : ` after ${ctx.timeoutMs} ms`;
      return new GatewayError('GW_MCP_TOOL_TIMEOUT', `${who} did not answer the tool call${after}; the call was cancelled. Retry, or raise the McpServer's spec.timeoutMs.`);
    }
    if (err.code === ErrorCode.ConnectionClosed) {
      return new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `The connection to ${who} closed (its process exited or the server went away). Retry shortly.`);
    }
    return new GatewayError('GW_MCP_UPSTREAM_ERROR', `${who} answered with an error: ${ctx.redact(upstreamWords(err.message))}`, { upstreamCode: String(err.code) });
  }
  if (authRefused(err)) {
    const code = (err as StreamableHTTPError).code;
    return new GatewayError(
      'GW_MCP_UPSTREAM_UNAVAILABLE',
      `${who} refused Gantry's credential (HTTP ${code}): check the Secret named in the McpServer's spec.auth.secretRef.`,
      { upstreamStatus: code },
    );
  }
  if (err instanceof Error && /ZodError/.test(err.name)) {
    return new GatewayError('GW_MCP_UPSTREAM_ERROR', `${who} answered with a result that is not a valid MCP tool result.`);
  }
  const status = err instanceof StreamableHTTPError && err.code !== undefined && err.code > 0 ? err.code : undefined;
  return new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `${who} is not reachable: ${ctx.redact(upstreamWords(describe(err)))}`, { upstreamStatus: status });
}

/** The text of an error for status().lastError and logs: never a secret value. */
export function errorText(err: unknown, redact: (text: string) => string): string {
  const text = err instanceof Error ? err.message : String(err);
  return redact(text.length > 1000 ? `${text.slice(0, 1000)}…` : text);
}
