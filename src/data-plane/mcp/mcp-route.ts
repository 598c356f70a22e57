import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError, toGatewayError } from '../../kernel/errors/index.js';
import type { Logger } from '../../kernel/logger.js';
import type { RequestContext } from '../context.js';
import { parseJsonBody, readBody } from '../http/read-body.js';
import type { Route } from '../routes/route.js';
import type { CompiledMcpServer } from '../snapshot.js';
import type { ToolCaller } from './call-tool.js';
import type { ToolLister } from './list-tools.js';
import { RpcError, rpcErrorBody } from './rpc-errors.js';

export interface McpRouteDeps {
  readonly listTools: ToolLister;
  readonly callTool: ToolCaller;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** serverInfo.version answered to initialize. */
  readonly version: string;
}

/**
 * The SDK Server builds a fresh Ajv instance per construction (≈0.5 ms CPU, a tenth of a tool call)
 * for validating elicitation answers; Gantry never elicits from clients, so one shared validator that
 * refuses stands in for it.
 */
const NO_ELICITATION: jsonSchemaValidator = {
  getValidator: () => () => ({ valid: false, data: undefined, errorMessage: 'Gantry does not elicit input from MCP clients.' }),
};

const AGGREGATED_INSTRUCTIONS = 'Tools of every MCP server this key may use, named <server>__<tool>. Calls are authorized, budgeted and metered by Gantry.';

/** `/mcp` → undefined (aggregated); `/mcp/<server>` → that server, or GW_MCP_SERVER_NOT_FOUND. */
function serverOf(ctx: RequestContext, url: string): CompiledMcpServer | undefined {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  // A client configured with a trailing slash (`/mcp/`, `/mcp/demo/`) means the same endpoint.
  const path = raw.length > '/mcp'.length && raw.endsWith('/') ? raw.slice(0, -1) : raw;
  if (path === '/mcp') return undefined;
  const name = path.slice('/mcp/'.length);
  const server = ctx.snapshot.mcpServers.get(name);
  if (!server) {
    const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    throw new GatewayError('GW_MCP_SERVER_NOT_FOUND', `There is no MCP server "${shown}". POST /mcp serves the tools of every server you may use; \`gantry get mcpservers\` lists the servers.`);
  }
  return server;
}

/** JSON-RPC batches were dropped from MCP (2025-06-18); one usage event per HTTP request needs one tools/call per request. */
function refuseBatchedCalls(body: unknown): void {
  if (!Array.isArray(body) || body.length < 2) return;
  if (body.some((m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call')) {
    throw new GatewayError('GW_REQUEST_INVALID', 'A JSON-RPC batch may not contain tools/call: send one tools/call per HTTP request.');
  }
}

function until(res: ServerResponse): Promise<void> {
  if (res.writableEnded || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
  });
}

/**
 * POST /mcp and /mcp/<server>: MCP Streamable HTTP in stateless mode (no session: every request
 * stands alone, so any replica serves any request). Each request gets its own low-level SDK Server
 * whose handlers close over this request's context (who is calling, which snapshot); answers are
 * plain JSON (enableJsonResponse), written before the route returns so the usage event is complete.
 */
export function createMcpPostRoute(deps: McpRouteDeps): Route {
  function sdkServer(ctx: RequestContext, only: CompiledMcpServer | undefined): Server {
    const server = new Server(
      { name: only ? `gantry/${only.name}` : 'gantry', version: deps.version },
      { capabilities: { tools: { listChanged: false } }, jsonSchemaValidator: NO_ELICITATION, ...(only ? {} : { instructions: AGGREGATED_INSTRUCTIONS }) },
    );
    server.setRequestHandler(ListToolsRequestSchema, async () => {
      try {
        return { tools: (await deps.listTools(ctx, only)) as ListToolsResult['tools'] };
      } catch (err) {
        throw new RpcError(toGatewayError(err));
      }
    });
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      try {
        return (await deps.callTool(ctx, only, request.params.name, request.params.arguments)) as CallToolResult;
      } catch (err) {
        throw new RpcError(toGatewayError(err));
      }
    });
    server.onerror = (err) => deps.logger.debug({ requestId: ctx.requestId, msg: err.message }, 'MCP protocol error');
    return server;
  }

  return {
    endpoint: 'mcp',
    errorBody: rpcErrorBody,
    async handle(ctx, req: IncomingMessage, res: ServerResponse) {
      const only = serverOf(ctx, req.url ?? '/mcp');
      const body = parseJsonBody(await readBody(req, deps.maxBodyBytes));
      refuseBatchedCalls(body);
      const server = sdkServer(ctx, only);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      try {
        await server.connect(transport);
        await transport.handleRequest(req, res, body);
        await until(res);
      } finally {
        await server.close();
      }
    },
  };
}

const METHOD_NOT_ALLOWED = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless (no sessions, no server-initiated stream); use POST.' }, id: null });

/** GET and DELETE /mcp[/<server>]: 405 as the SDK's stateless servers answer (clients then skip the SSE stream and session end). */
export function createMcpMethodNotAllowedRoute(): Route {
  return {
    endpoint: 'mcp',
    errorBody: rpcErrorBody,
    handle(_ctx, _req, res) {
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json', 'content-length': Buffer.byteLength(METHOD_NOT_ALLOWED) });
      res.end(METHOD_NOT_ALLOWED);
    },
  };
}
