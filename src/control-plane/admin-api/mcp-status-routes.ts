import { GatewayError } from '../../kernel/errors/index.js';
import type { McpUpstreamStatus } from '../../mcp/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess } from '../rbac/authorize.js';
import type { McpServerSpec } from '../resources/kinds/mcp-server.js';
import { actorOf } from './request.js';
import type { AdminRoute } from './types.js';

/** This process's view of one live upstream (main/mcp-upstreams.ts). */
export interface McpServerStatus extends McpUpstreamStatus {
  readonly name: string;
}

/** What the status endpoint reads (functions: main/ passes the upstream registry in). */
export interface McpStatusRouteDeps {
  /** The McpServer resources (the resource cache). */
  readonly servers: () => Iterable<StoredResource>;
  /** Live upstreams of this process (empty where no MCP gateway runs). */
  readonly status: () => readonly McpServerStatus[];
  /** McpServers the last compile left out, and why (never a secret value). */
  readonly problems: () => ReadonlyMap<string, string>;
}

/** One row of GET /admin/v1/mcpservers/status. */
export interface McpStatusRow {
  readonly name: string;
  readonly transport: 'http' | 'stdio';
  /** not_started: no upstream in this process (see lastError: its Secret or setup failed). */
  readonly state: McpUpstreamStatus['state'] | 'not_started';
  readonly restarts: number;
  readonly lastError: string | null;
  readonly tools: number | null;
  readonly pid: number | null;
}

/** Every configured McpServer joined with its live upstream, sorted by name. */
export function mcpStatusRows(deps: McpStatusRouteDeps): McpStatusRow[] {
  const live = new Map(deps.status().map((s) => [s.name, s]));
  const problems = deps.problems();
  const rows = [...deps.servers()].map((r): McpStatusRow => {
    const s = live.get(r.name);
    const spec = r.spec as McpServerSpec;
    if (!s) {
      return { name: r.name, transport: spec.command !== undefined ? 'stdio' : 'http', state: 'not_started', restarts: 0, lastError: problems.get(r.name) ?? null, tools: null, pid: null };
    }
    return { name: r.name, transport: s.transport, state: s.state, restarts: s.restarts, lastError: s.lastError ?? null, tools: s.tools ?? null, pid: s.pid ?? null };
  });
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** GET /mcpservers/status: each McpServer's upstream as this process runs it. */
export function mcpStatusRoutes(deps: McpStatusRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/mcpservers/status',
      auth: 'authenticated',
      summary:
        "Each McpServer's upstream as the serving process runs it: transport (http, stdio), state (connected, connecting, backoff, stopped, not_started), restarts, last error, tools listed, process id. Per process: with --workers the answer is one worker's. Readers of McpServers.",
      async handle(req) {
        const actor = actorOf(req);
        if (!canAccess(actor, 'read', { kind: 'McpServer', name: '', team: undefined, spec: undefined })) {
          throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not read McpServers (team members, finops-viewer, platform-admin).`);
        }
        return { status: 200, body: { object: 'list', data: mcpStatusRows(deps) } };
      },
    },
  ];
}
