import type { RequestContext } from '../context.js';
import type { CompiledMcpServer } from '../snapshot.js';
import { knownAgent } from '../stages/policy-principal.js';
import { namespaced } from './names.js';

const NONE: ReadonlySet<string> = new Set();

/**
 * Namespaced tools (`server__tool`) the caller's agent declared (spec.tools). Only a registered,
 * serving agent has any; a key acting for no registered agent has none (it needs a Grant).
 */
export function declaredTools(ctx: RequestContext): ReadonlySet<string> {
  const agent = knownAgent(ctx);
  const compiled = agent === undefined ? undefined : ctx.snapshot.agents.get(agent);
  return compiled?.serving ? (compiled.tools ?? NONE) : NONE;
}

/** Whether the request acts for a registered agent (for messages). */
export function actingAgent(ctx: RequestContext): string | undefined {
  const agent = knownAgent(ctx);
  return agent !== undefined && ctx.snapshot.agents.get(agent)?.serving ? agent : undefined;
}

/** Whether the McpServer exposes an upstream tool at all (spec.tools allow/deny), before per-agent filtering. */
export function exposed(server: CompiledMcpServer, tool: string): boolean {
  return (server.allow === undefined || server.allow.has(tool)) && !server.deny.has(tool);
}

/** Whether anything could let the caller use a tool of `server` (a declared tool or a call_tool Grant): else it is not even listed. */
export function mayUseServer(ctx: RequestContext, declared: ReadonlySet<string>, server: string): boolean {
  const prefix = namespaced(server, '');
  for (const tool of declared) if (tool.startsWith(prefix)) return true;
  for (const g of ctx.snapshot.grants) if (g.action === 'call_tool' && g.resource.startsWith(prefix)) return true;
  return false;
}
