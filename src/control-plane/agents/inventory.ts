import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { formatMicrosAsUsd, type Micros } from '../../kernel/money.js';
import type { DriftFinding, DriftQuery } from '../../storage/ports/drift-store.js';
import { DAY_MS, type LedgerStore, type UsageFilter } from '../../storage/ports/ledger-store.js';
import type { ResourceStore, StoredResource } from '../../storage/ports/resource-store.js';
import type { Actor } from '../rbac/roles.js';
import type { AgentSpec, LifecycleState } from '../resources/kinds/agent.js';
import { type AgentUsage, errorRate, foldAgentUsage, type ItemUsage, newestBucket, type ToolUsage } from './inventory-usage.js';
import { agentTeamsFor, canReadAgent, lifecycleOf, listAgents, readableAgent } from './registry-view.js';

/** Reads drift findings (the DriftStore port; main wires the real store). */
export interface DriftReader {
  list(q: DriftQuery): Promise<DriftFinding[]>;
}

export interface AgentInventoryDeps {
  readonly store: ResourceStore;
  readonly ledger: LedgerStore;
  /** Undefined: drift is not tracked in this process; entries carry `drift: null`. */
  readonly drift?: DriftReader | undefined;
  /** Writes the usage events waiting in this process, so the inventory includes requests just answered. */
  readonly flushUsage: () => Promise<void>;
  readonly now: () => number;
}

export const MAX_INVENTORY_DAYS = 90;
export const DEFAULT_INVENTORY_DAYS = 7;
/** Rollup rows read per inventory (agent × model × provider × team); beyond this `truncated` is set. */
const ROW_LIMIT = 50_000;

const usd = (i: ItemUsage) => ({ name: i.name, requests: i.requests, errors: i.errors, costMicros: i.costMicros, costUsd: formatMicrosAsUsd(i.costMicros) });

/** A drift finding as GET /agents/drift answers it: times in RFC 3339, no item for an unregistered agent. */
export interface WireDriftFinding {
  readonly agent: string;
  readonly team: string;
  readonly kind: DriftFinding['kind'];
  readonly item: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
}

export function presentFinding(f: DriftFinding): WireDriftFinding {
  return { agent: f.agent, team: f.team, kind: f.kind, item: f.item === '' ? null : f.item, firstSeen: isoTime(f.firstSeen), lastSeen: isoTime(f.lastSeen), count: f.count };
}

/** A finding in an agent's inventory entry: as GET /agents/drift answers it, without the agent. */
export type DriftView = Omit<WireDriftFinding, 'agent'>;

const driftView = (f: DriftFinding): DriftView => {
  const { agent: _agent, ...view } = presentFinding(f);
  return view;
};

/** One agent of the inventory as the admin API answers it. */
export interface AgentInventoryEntry {
  readonly name: string;
  /** False: seen in traffic but not registered (shadow AI). */
  readonly registered: boolean;
  readonly owner: string | null;
  /** Teams whose keys made the calls in the window. */
  readonly teams: readonly string[];
  readonly sponsor: string | null;
  readonly lifecycle: LifecycleState | null;
  readonly description: string | null;
  /** What the registration declares; null: not declared (any model its keys allow; no tools). */
  readonly declared: { readonly models: readonly string[] | null; readonly tools: readonly string[] | null };
  readonly models: readonly ReturnType<typeof usd>[];
  readonly tools: readonly (ReturnType<typeof usd> & { readonly server: string })[];
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly spendMicros: Micros;
  readonly spendUsd: string;
  /**
   * The newest of: the agent's recorded last request (registered agents), else the start of its newest
   * hour in the ledger; and its newest drift finding.
   */
  readonly lastSeen: string | null;
  /** Null when drift is not tracked. */
  readonly drift: readonly DriftView[] | null;
}

export interface AgentInventory {
  readonly kind: 'AgentInventory';
  readonly days: number;
  readonly from: string;
  readonly to: string;
  readonly driftAvailable: boolean;
  /** The ledger had more rows than one inventory reads (the cheapest were left out). */
  readonly truncated: boolean;
  readonly items: readonly AgentInventoryEntry[];
}

export interface InventoryQuery {
  readonly days: number;
  readonly team?: string | undefined;
  readonly agent?: string | undefined;
}

const EMPTY_USAGE = (agent: string): AgentUsage => ({ agent, teams: [], models: [], tools: [], requests: 0, errors: 0, costMicros: 0 });

function present(usage: AgentUsage, r: StoredResource | undefined, lastSeen: number | undefined, drift: readonly DriftFinding[] | null): AgentInventoryEntry {
  const spec = r?.spec as AgentSpec | undefined;
  // An agent's own "unregistered" findings from before it was registered are history, not drift.
  const findings = drift?.filter((f) => !(r && f.kind === 'unregistered_agent' && f.lastSeen < r.createdAt)) ?? null;
  return {
    name: usage.agent,
    registered: r !== undefined,
    owner: r?.team ?? null,
    teams: usage.teams,
    sponsor: spec?.sponsor ?? null,
    lifecycle: spec ? lifecycleOf(spec) : null,
    description: spec?.description ?? null,
    declared: { models: spec?.models ?? null, tools: spec?.tools ?? null },
    models: usage.models.map(usd),
    tools: usage.tools.map((t: ToolUsage) => ({ ...usd(t), server: t.server })),
    requests: usage.requests,
    errors: usage.errors,
    errorRate: errorRate(usage.errors, usage.requests),
    spendMicros: usage.costMicros,
    spendUsd: formatMicrosAsUsd(usage.costMicros),
    lastSeen: lastSeen === undefined ? null : isoTime(lastSeen),
    drift: findings?.map(driftView) ?? null,
  };
}

/**
 * The agent inventory: per agent, what it used over the last N days (from the hourly rollups),
 * its registration, and its drift findings; agents seen in traffic but never registered appear as
 * `registered: false`. Visibility follows reading agents: a team member sees the registered agents
 * of its teams and the shadow agents its teams' keys named; platform admins and FinOps see all.
 */
export function createAgentInventory(deps: AgentInventoryDeps) {
  /** Newest hour per agent, read a UTC day at a time (an agent × hour grouping over 90 days would be huge). */
  async function newestHours(agents: readonly string[], from: number, to: number, filter: UsageFilter): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (agents.length === 0) return out;
    const one = agents.length === 1 ? { agent: agents[0] as string } : {};
    const days = newestBucket((await deps.ledger.usage({ from, to, groupBy: ['agent', 'day'], filter: { ...filter, ...one }, limit: ROW_LIMIT })).rows, 'day');
    const byDay = new Map<number, string[]>();
    for (const a of agents) {
      const day = days.get(a);
      if (day !== undefined) byDay.set(day, [...(byDay.get(day) ?? []), a]);
    }
    for (const [day, names] of byDay) {
      const only = names.length === 1 ? { agent: names[0] as string } : {};
      const range = { from: Math.max(day, from), to: Math.min(day + DAY_MS, to) };
      const hours = newestBucket((await deps.ledger.usage({ ...range, groupBy: ['agent', 'hour'], filter: { ...filter, ...only }, limit: ROW_LIMIT })).rows, 'hour');
      for (const n of names) {
        const h = hours.get(n);
        if (h !== undefined) out.set(n, h);
      }
    }
    return out;
  }

  async function build(actor: Actor, q: InventoryQuery): Promise<AgentInventory> {
    const teams = agentTeamsFor(actor, q.team);
    const to = deps.now();
    const from = to - q.days * DAY_MS;
    await deps.flushUsage().catch(() => undefined);
    const registeredAll = q.agent !== undefined ? [await deps.store.get('Agent', q.agent)].filter((r): r is StoredResource => r !== undefined) : await listAgents(deps.store, undefined);
    const registered = new Map(registeredAll.map((r) => [r.name, r]));
    const shown = new Map(registeredAll.filter((r) => canReadAgent(actor, r) && (q.team === undefined || r.team === q.team)).map((r) => [r.name, r]));

    const filter: UsageFilter = { ...(teams ? { team: teams } : {}), ...(q.agent !== undefined ? { agent: q.agent } : {}) };
    const result = await deps.ledger.usage({ from, to, groupBy: ['team', 'agent', 'model', 'provider'], filter, limit: ROW_LIMIT });
    const usage = foldAgentUsage(result.rows);
    const findings = deps.drift
      ? await deps.drift.list({ since: from, ...(q.agent !== undefined ? { agents: [q.agent] } : {}), ...(teams ? { teams } : {}), limit: 10_000 })
      : undefined;

    // Registered agents the actor may read, then names seen in its teams' traffic that nobody registered.
    const names = new Set(shown.keys());
    for (const name of usage.keys()) if (!registered.has(name)) names.add(name);
    for (const f of findings ?? []) if (f.kind === 'unregistered_agent' && !registered.has(f.agent)) names.add(f.agent);

    const lastSeen = new Map<string, number>();
    for (const name of names) {
      const at = registered.get(name)?.lastUsedAt;
      if (at !== undefined) lastSeen.set(name, at);
    }
    const fallback = [...names].filter((n) => !lastSeen.has(n) && usage.has(n));
    for (const [n, at] of await newestHours(fallback, from, to, filter)) lastSeen.set(n, at);

    const byAgent = new Map<string, DriftFinding[]>();
    for (const f of findings ?? []) {
      byAgent.set(f.agent, [...(byAgent.get(f.agent) ?? []), f]);
      // A finding's time is exact (an hour bucket is not), and it may be the only trace (a refused request).
      if (names.has(f.agent) && (lastSeen.get(f.agent) ?? -1) < f.lastSeen) lastSeen.set(f.agent, f.lastSeen);
    }
    const items = [...names]
      .sort()
      .map((n) => present(usage.get(n) ?? EMPTY_USAGE(n), registered.get(n), lastSeen.get(n), findings ? (byAgent.get(n) ?? []) : null));
    return { kind: 'AgentInventory', days: q.days, from: isoTime(from), to: isoTime(to), driftAvailable: deps.drift !== undefined, truncated: result.truncated, items };
  }

  return {
    list: build,
    /** One agent: 403 for another team's registered agent, 404 when neither registered nor seen. */
    async one(actor: Actor, name: string, days: number): Promise<AgentInventory & { item: AgentInventoryEntry }> {
      if (await deps.store.get('Agent', name)) await readableAgent(deps.store, actor, name);
      const inventory = await build(actor, { days, agent: name });
      const item = inventory.items.find((i) => i.name === name);
      if (!item) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `Agent "${name}" is not registered and was not seen in your teams' traffic in the last ${days} days.`);
      return { ...inventory, item };
    },
  };
}

export type AgentInventoryService = ReturnType<typeof createAgentInventory>;
