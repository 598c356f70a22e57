import type { Micros } from '../../kernel/money.js';
import type { UsageRow } from '../../storage/ports/ledger-store.js';

/** What one model or one tool was used for by one agent. */
export interface ItemUsage {
  readonly name: string;
  readonly requests: number;
  readonly errors: number;
  readonly costMicros: Micros;
}

export interface ToolUsage extends ItemUsage {
  /** The MCP server (the provider `mcp:<server>` of the tool-call events). */
  readonly server: string;
}

/** One agent's usage over a window, folded from the ledger rollups. */
export interface AgentUsage {
  readonly agent: string;
  /** Teams whose keys made the calls (for an unregistered agent, the only ownership there is). */
  readonly teams: readonly string[];
  readonly models: readonly ItemUsage[];
  readonly tools: readonly ToolUsage[];
  readonly requests: number;
  readonly errors: number;
  readonly costMicros: Micros;
}

/** Tool calls are usage events with provider `mcp:<server>` (model `server__tool`). */
export const MCP_PROVIDER_PREFIX = 'mcp:';

interface Acc {
  requests: number;
  errors: number;
  costMicros: number;
}

function add(map: Map<string, Acc & { server?: string }>, key: string, row: UsageRow, server?: string): void {
  const acc = map.get(key) ?? { requests: 0, errors: 0, costMicros: 0, ...(server !== undefined ? { server } : {}) };
  acc.requests += row.requests;
  acc.errors += row.errors;
  acc.costMicros += row.costMicros;
  map.set(key, acc);
}

/** Most spent first, then most used, then by name: the order the inventory lists models and tools. */
function ordered<T extends ItemUsage>(items: T[]): T[] {
  return items.sort((a, b) => b.costMicros - a.costMicros || b.requests - a.requests || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Folds rollup rows grouped by (team, agent, model, provider) into one usage per agent. Rows without
 * an agent are skipped; a model served by several providers (fallbacks) is one model.
 */
export function foldAgentUsage(rows: readonly UsageRow[]): Map<string, AgentUsage> {
  const per = new Map<string, { teams: Set<string>; models: Map<string, Acc>; tools: Map<string, Acc & { server?: string }>; total: Acc }>();
  for (const row of rows) {
    const agent = row.dims.agent;
    if (typeof agent !== 'string' || agent === '') continue;
    let a = per.get(agent);
    if (!a) {
      a = { teams: new Set(), models: new Map(), tools: new Map(), total: { requests: 0, errors: 0, costMicros: 0 } };
      per.set(agent, a);
    }
    if (typeof row.dims.team === 'string') a.teams.add(row.dims.team);
    const model = typeof row.dims.model === 'string' ? row.dims.model : '';
    const provider = typeof row.dims.provider === 'string' ? row.dims.provider : '';
    if (provider.startsWith(MCP_PROVIDER_PREFIX)) add(a.tools, model, row, provider.slice(MCP_PROVIDER_PREFIX.length));
    else add(a.models, model, row);
    a.total.requests += row.requests;
    a.total.errors += row.errors;
    a.total.costMicros += row.costMicros;
  }
  const out = new Map<string, AgentUsage>();
  for (const [agent, a] of per) {
    out.set(agent, {
      agent,
      teams: [...a.teams].sort(),
      models: ordered([...a.models].map(([name, s]) => ({ name, requests: s.requests, errors: s.errors, costMicros: s.costMicros }))),
      tools: ordered([...a.tools].map(([name, s]) => ({ name, server: s.server ?? '', requests: s.requests, errors: s.errors, costMicros: s.costMicros }))),
      requests: a.total.requests,
      errors: a.total.errors,
      costMicros: a.total.costMicros,
    });
  }
  return out;
}

/** The newest time bucket (epoch ms) per agent from rows grouped by (agent, hour|day). */
export function newestBucket(rows: readonly UsageRow[], bucket: 'hour' | 'day'): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of rows) {
    const agent = row.dims.agent;
    const at = row.dims[bucket];
    if (typeof agent !== 'string' || typeof at !== 'number' || row.requests === 0) continue;
    if ((out.get(agent) ?? -1) < at) out.set(agent, at);
  }
  return out;
}

/** Errors over requests, to four decimals; 0 when there were no requests. */
export const errorRate = (errors: number, requests: number): number => (requests === 0 ? 0 : Math.round((errors / requests) * 10_000) / 10_000);
