#!/usr/bin/env node
/**
 * A small MCP server for the Gantry MCP gateway example (docs/mcp.md, examples/mcp/gantry.yaml).
 *
 *   node examples/mcp/demo-server.mjs                      stdio (Gantry starts it; needs DEMO_MCP_TOKEN)
 *   node examples/mcp/demo-server.mjs --http --port 4200   Streamable HTTP on 127.0.0.1:4200/mcp,
 *                                                          requires `Authorization: Bearer $DEMO_MCP_TOKEN`
 *
 * Tools: echo {text}, add {a, b}, delete_everything {confirm?} (harmless: it exists to be denied).
 * In stdio mode it refuses to start without DEMO_MCP_TOKEN: Gantry injects it from a Secret, so a
 * running demo server proves the secret reached it (the value is never printed).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** The demo's three tools (the test fixture adds more on top). */
export function registerDemoTools(server) {
  server.registerTool(
    'echo',
    { title: 'Echo', description: 'Returns the text it is given.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  server.registerTool(
    'add',
    { title: 'Add', description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() }, outputSchema: { sum: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  server.registerTool(
    'delete_everything',
    {
      title: 'Delete everything',
      description: 'A dangerous-sounding tool that does nothing; the example denies it to agents.',
      inputSchema: { confirm: z.boolean().optional() },
      annotations: { destructiveHint: true },
    },
    async () => ({ content: [{ type: 'text', text: 'Nothing was deleted: this demo tool only exists to be denied.' }] }),
  );
}

/** `--http`, `--port N` (default 4200), `--host H` (default 127.0.0.1). */
export function parseServerArgs(argv) {
  const options = { http: false, port: 4200, host: '127.0.0.1' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--http') options.http = true;
    else if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--host') options.host = String(argv[++i]);
    else throw new Error(`unknown argument "${arg}" (use --http, --port N, --host H)`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('--port must be a port number');
  return options;
}

function sameToken(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves `createMcpServer()` over stdio or Streamable HTTP (stateless: a fresh server per request).
 * Resolves once listening; in HTTP mode prints `listening on <url>` to stderr.
 */
export async function runMcpServer({ name, createMcpServer, argv = process.argv.slice(2), env = process.env }) {
  let options;
  try {
    options = parseServerArgs(argv);
  } catch (err) {
    process.stderr.write(`${name}: ${err.message}\n`);
    process.exit(2);
  }
  const token = env.DEMO_MCP_TOKEN;
  if (!token) {
    process.stderr.write(`${name}: DEMO_MCP_TOKEN is not set; refusing to start (Gantry injects it from a Secret: see spec.env in examples/mcp/gantry.yaml)\n`);
    process.exit(1);
  }
  if (!options.http) {
    await createMcpServer().connect(new StdioServerTransport());
    return;
  }
  const http = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the MCP endpoint is /mcp\n');
      return;
    }
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !sameToken(auth.slice('Bearer '.length), token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const server = createMcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      transport.close().catch(() => {});
      server.close().catch(() => {});
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err?.message ?? err) }));
    }
  });
  await new Promise((resolve) => http.listen(options.port, options.host, resolve));
  const { port } = http.address();
  process.stderr.write(`${name}: listening on http://${options.host}:${port}/mcp\n`);
  const stop = () => http.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function createDemoServer() {
  const server = new McpServer({ name: 'gantry-demo', version: '1.0.0' });
  registerDemoTools(server);
  return server;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMcpServer({ name: 'demo-server', createMcpServer: createDemoServer });
}
