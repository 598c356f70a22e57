import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { type RunningGantry, runGantry } from './processes.js';

/** Official MCP SDK clients against a running gateway (real HTTP), closed together at the end. */
export function mcpClients(gateway: () => RunningGantry) {
  const open: Client[] = [];
  return {
    /** A connected client for `key` on `path` (`/mcp` or `/mcp/<server>`), with extra request headers. */
    async connect(key: string, headers: Record<string, string> = {}, path = '/mcp'): Promise<Client> {
      const client = new Client({ name: 'gantry-e2e', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${gateway().url}${path}`), {
        requestInit: { headers: { authorization: `Bearer ${key}`, ...headers } },
      });
      await client.connect(transport);
      open.push(client);
      return client;
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
    },
  };
}

/** The names tools/list answers, sorted. */
export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}

/** The first text content of a tool result. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.find((c) => c.type === 'text')?.text ?? '';
}

/** The Gantry code (`error.data.code`) of a failed call, or 'ok' when it succeeded. */
export async function callOutcome(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  try {
    await client.callTool({ name, arguments: args });
    return 'ok';
  } catch (err) {
    if (err instanceof McpError) return String((err.data as { code?: string } | undefined)?.code ?? `rpc${err.code}`);
    throw err;
  }
}

/** The McpError a call fails with (throws if it succeeds). */
export async function callError(client: Client, name: string, args: Record<string, unknown> = {}): Promise<McpError & { data: { code: string; status: number } }> {
  const outcome = await client.callTool({ name, arguments: args }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof McpError)) throw new Error(`expected ${name} to fail with an McpError, got ${outcome === undefined ? 'a result' : String(outcome)}`);
  return outcome as McpError & { data: { code: string; status: number } };
}

/** `gantry <args>` as the platform admin, against `g` (a real CLI process). */
export function adminCli(g: RunningGantry, ...args: string[]) {
  return runGantry(args, { GANTRY_URL: g.url, GANTRY_TOKEN: g.adminToken, XDG_CONFIG_HOME: join(g.dataDir, 'cli') });
}

/** GET an admin API path as the platform admin (JSON). */
export async function adminGet<T>(g: RunningGantry, path: string): Promise<T> {
  const res = await fetch(`${g.url}/admin/v1${path}`, { headers: { authorization: `Bearer ${g.adminToken}` } });
  if (!res.ok) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export interface AuditEntry {
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly kind?: string;
  readonly name: string;
  readonly outcome: string;
  readonly after?: Record<string, unknown>;
}

/** Every audit entry (the log is small in these tests). */
export async function auditEntries(g: RunningGantry): Promise<AuditEntry[]> {
  const items: AuditEntry[] = [];
  for (let after = 0; ; ) {
    const page = await adminGet<{ items: AuditEntry[]; next: number | null }>(g, `/audit?after=${after}&limit=1000`);
    items.push(...page.items);
    if (page.next === null) return items;
    after = page.next;
  }
}

/** Retries `check` until it returns a value (or throws its last error at the deadline). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
