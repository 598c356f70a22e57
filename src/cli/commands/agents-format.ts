import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { AdminClient } from '../admin-client.js';
import { CliError } from '../cli-error.js';

/** A model or tool line of the inventory (GET /admin/v1/agents/inventory). */
export interface WireItemUsage {
  readonly name: string;
  readonly server?: string;
  readonly requests: number;
  readonly errors: number;
  readonly costMicros: number;
  readonly costUsd: string;
}

export interface WireDrift {
  readonly kind: string;
  readonly item: string | null;
  readonly team: string;
  readonly count: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface WireInventoryEntry {
  readonly name: string;
  readonly registered: boolean;
  readonly owner: string | null;
  readonly teams: readonly string[];
  readonly sponsor: string | null;
  readonly lifecycle: string | null;
  readonly description?: string | null;
  readonly declared: { readonly models: readonly string[] | null; readonly tools: readonly string[] | null };
  readonly models: readonly WireItemUsage[];
  readonly tools: readonly WireItemUsage[];
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly spendMicros: number;
  readonly spendUsd: string;
  readonly lastSeen: string | null;
  readonly drift: readonly WireDrift[] | null;
}

export interface WireInventory {
  readonly days: number;
  readonly from: string;
  readonly to: string;
  readonly driftAvailable: boolean;
  readonly truncated: boolean;
  readonly items: readonly WireInventoryEntry[];
}

/** Discovery filters of GET /admin/v1/agents (`gantry get agents`, `gantry agents export --all`). */
export const AGENT_FILTERS = ['team', 'lifecycle', 'model', 'tool'] as const;

/** The agent filters given as options, as query parameters. */
export function agentFilters(options: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(AGENT_FILTERS.flatMap((f) => (options[f] !== undefined ? [[f, options[f]]] : [])));
}

/** `$12.35` from a cent up; below that the exact amount (`$0.000123`): tool calls are often tiny. */
export function spendCell(micros: number | undefined): string {
  if (micros === undefined) return '-';
  if (micros === 0) return '$0';
  if (Math.abs(micros) < 10_000) return `$${formatMicrosAsUsd(micros).replace(/0+$/, '')}`;
  const cents = Math.round(micros / 10_000);
  return `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

export const errPercent = (e: Pick<WireInventoryEntry, 'requests' | 'errorRate'> | undefined): string =>
  e === undefined || e.requests === 0 ? '-' : `${(e.errorRate * 100).toFixed(1)}%`;

const DRIFT_LABEL: Record<string, string> = { unregistered_agent: 'unregistered', undeclared_model: 'model', undeclared_tool: 'tool', offered_tool: 'offered' };

/** `-` when the server keeps no drift, `none`, or `model:gpt-4o, tool:fs__rm +2`. */
export function driftCell(drift: readonly WireDrift[] | null | undefined): string {
  if (drift === undefined || drift === null) return '-';
  if (drift.length === 0) return 'none';
  const shown = drift.slice(0, 3).map((d) => (d.item === null || d.item === '' ? (DRIFT_LABEL[d.kind] ?? d.kind) : `${DRIFT_LABEL[d.kind] ?? d.kind}:${d.item}`));
  return drift.length > 3 ? `${shown.join(', ')} +${drift.length - 3}` : shown.join(', ');
}

/** At most three names, then `+N`. */
export function namesCell(items: readonly { readonly name: string }[]): string {
  if (items.length === 0) return '-';
  const shown = items.slice(0, 3).map((i) => i.name);
  return items.length > 3 ? `${shown.join(',')} +${items.length - 3}` : shown.join(',');
}

/**
 * Attaches each agent's 7-day inventory entry as `inventory` (what `gantry get agents` shows in its
 * usage columns): one call for a list, one for a named agent. A server without the inventory (an
 * older version) leaves the columns at `-`.
 */
export async function withInventory(client: AdminClient, items: readonly unknown[], name: string | undefined, team: string | undefined): Promise<unknown[]> {
  let entries: readonly WireInventoryEntry[];
  try {
    entries =
      name !== undefined
        ? [(await client.request<{ item: WireInventoryEntry }>('GET', `/agents/${encodeURIComponent(name)}/inventory`, { query: { days: 7 } })).item]
        : (await client.request<WireInventory>('GET', '/agents/inventory', { query: { days: 7, team } })).items;
  } catch (err) {
    if (err instanceof CliError) return [...items];
    throw err;
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  return items.map((item) => {
    const n = (item as { metadata?: { name?: unknown } }).metadata?.name;
    const entry = typeof n === 'string' ? byName.get(n) : undefined;
    return entry === undefined ? item : { ...(item as object), inventory: entry };
  });
}
