import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../kernel/errors/index.js';
import { mapUpstreamError } from './errors.js';
import { createRedactor } from './redact.js';

const ctx = { server: 'demo', timeoutMs: 500, redact: createRedactor(['s3cret']) };
const map = (err: unknown, signal?: AbortSignal) => mapUpstreamError(err, { ...ctx, signal }) as GatewayError;

describe('mapUpstreamError', () => {
  it('timeout, closed connection, JSON-RPC error, refused credential, transport failure', () => {
    expect(map(new McpError(ErrorCode.RequestTimeout, 'Request timed out')).code).toBe('GW_MCP_TOOL_TIMEOUT');
    expect(map(new McpError(ErrorCode.ConnectionClosed, 'Connection closed')).code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    const rpc = map(new McpError(ErrorCode.InvalidParams, 'MCP error -32602: bad input for s3cret'));
    expect(rpc).toMatchObject({ code: 'GW_MCP_UPSTREAM_ERROR', upstreamCode: '-32602', message: 'MCP server "demo" answered with an error: bad input for [redacted]' });
    expect(map(new McpError(-32603, 'x'.repeat(2_000))).message.length).toBeLessThan(600);
    expect(map(new StreamableHTTPError(401, 'Error POSTing to endpoint: no'))).toMatchObject({ code: 'GW_MCP_UPSTREAM_UNAVAILABLE', upstreamStatus: 401 });
    expect(map(new StreamableHTTPError(502, 'bad gateway'))).toMatchObject({ code: 'GW_MCP_UPSTREAM_UNAVAILABLE', upstreamStatus: 502 });
    expect(map(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') })).message).toBe('MCP server "demo" is not reachable: fetch failed (connect ECONNREFUSED)');
  });

  it('passes GatewayErrors and the caller abort reason through', () => {
    const own = new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE');
    expect(map(own)).toBe(own);
    const controller = new AbortController();
    const reason = new Error('client left');
    controller.abort(reason);
    expect(mapUpstreamError(new McpError(ErrorCode.RequestTimeout, 'x'), { ...ctx, signal: controller.signal })).toBe(reason);
  });
});

describe('createRedactor', () => {
  it('replaces every value, longest first; no values: unchanged', () => {
    expect(createRedactor(['abc', 'abcdef', ''])('x abcdef y abc')).toBe('x [redacted] y [redacted]');
    expect(createRedactor([])('abc')).toBe('abc');
  });
});
