import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The test MCP server (the demo's tools plus sleep, crash, fail, rpc_error, seen_headers, whoami_token, env_names, register_tool). */
export const MCP_TEST_SERVER = fileURLToPath(new URL('../e2e/fixtures/mcp-test-server.mjs', import.meta.url));
export const MCP_DEMO_SERVER = fileURLToPath(new URL('../../examples/mcp/demo-server.mjs', import.meta.url));

export interface RunningHttpMcpServer {
  /** The Streamable HTTP endpoint, e.g. http://127.0.0.1:41234/mcp */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts the test MCP server in --http mode on a free port (or `port`), requiring
 * `Authorization: Bearer <token>`; resolves once it listens.
 */
export async function startHttpMcpTestServer(options: { token: string; port?: number; env?: Record<string, string> }): Promise<RunningHttpMcpServer> {
  const child = spawn(process.execPath, [MCP_TEST_SERVER, '--http', '--port', String(options.port ?? 0)], {
    env: { PATH: process.env.PATH ?? '', DEMO_MCP_TOKEN: options.token, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      text += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`the MCP test server exited (${code}): ${text}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    url,
    port: Number(new URL(url).port),
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
