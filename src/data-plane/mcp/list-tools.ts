import { GatewayError } from '../../kernel/errors/index.js';
import type { Logger } from '../../kernel/logger.js';
import type { McpToolInfo } from '../../mcp/contract.js';
import type { RequestContext } from '../context.js';
import type { CompiledMcpServer } from '../snapshot.js';
import { activeGrant } from '../stages/grant-check.js';
import { principalOf } from '../stages/policy-principal.js';
import { namespaced } from './names.js';
import { declaredTools, exposed, mayUseServer } from './tool-access.js';
import type { ToolPolicy } from './tool-policy.js';
import { raceUpstream } from './upstream-signal.js';

export interface ToolListerDeps {
  readonly logger: Logger;
  readonly policy: ToolPolicy;
  /** How long one upstream may take to list its tools before the aggregated list leaves it out. */
  readonly listTimeoutMs: number;
  readonly now: () => number;
}

/** The upstream's tools (cached by the upstream), or GW_MCP_UPSTREAM_UNAVAILABLE after `timeoutMs`. */
export function listUpstream(ctx: RequestContext, server: CompiledMcpServer, timeoutMs: number): Promise<readonly McpToolInfo[]> {
  const timeout = () => new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${server.name}" did not list its tools within ${timeoutMs} ms. Retry shortly.`);
  return raceUpstream(ctx.abort.signal, timeoutMs, timeout, (signal) => server.upstream.listTools(signal));
}

/** A server that cannot be listed is logged at most this often (every tools/list would otherwise log it). */
const WARN_INTERVAL_MS = 30_000;

export type ToolLister = (ctx: RequestContext, only: CompiledMcpServer | undefined) => Promise<McpToolInfo[]>;

/**
 * tools/list: every server's tools (listed in parallel, cached by the upstream), filtered by the
 * server's allow/deny, then by what the caller may use (its agent's spec.tools and call_tool
 * Grants), then by enforced call_tool policies. Names are `server__tool` on /mcp and the upstream's
 * on /mcp/<server>; descriptions and schemas are passed through. On /mcp a server that is down is
 * left out (and logged); on /mcp/<server> it is the error.
 */
export function createToolLister(deps: ToolListerDeps): ToolLister {
  const warnedAt = new Map<string, number>();

  function warn(server: string, err: unknown): void {
    const at = deps.now();
    const last = warnedAt.get(server);
    if (last !== undefined && at - last < WARN_INTERVAL_MS) return;
    warnedAt.set(server, at);
    const code = err instanceof GatewayError ? err.code : 'GW_INTERNAL';
    deps.logger.warn({ server, code, msg: err instanceof Error ? err.message : String(err) }, 'an MCP server could not list its tools; it is left out of /mcp tools/list');
  }

  return async function listTools(ctx, only) {
    const declared = declaredTools(ctx);
    const servers = only ? [only] : [...ctx.snapshot.mcpServers.values()].filter((s) => mayUseServer(ctx, declared, s.name));
    if (only && !mayUseServer(ctx, declared, only.name)) return [];
    const principal = ctx.snapshot.policies ? principalOf(ctx) : undefined;
    const listed = await Promise.allSettled(servers.map((s) => listUpstream(ctx, s, deps.listTimeoutMs)));
    const tools: McpToolInfo[] = [];
    for (let i = 0; i < servers.length; i++) {
      const server = servers[i] as CompiledMcpServer;
      const result = listed[i] as PromiseSettledResult<readonly McpToolInfo[]>;
      if (result.status === 'rejected') {
        if (only) throw result.reason;
        warn(server.name, result.reason);
        continue;
      }
      for (const tool of result.value) {
        if (!exposed(server, tool.name)) continue;
        const name = namespaced(server.name, tool.name);
        if (!declared.has(name) && activeGrant(ctx, 'call_tool', name) === undefined) continue;
        if (principal && !deps.policy.visible(ctx, principal, server, name)) continue;
        tools.push(only ? tool : { ...tool, name });
      }
    }
    return tools;
  };
}
