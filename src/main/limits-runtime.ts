import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { CompiledBudget, RuntimeSnapshot } from '../data-plane/snapshot.js';
import type { PlannedHold } from '../data-plane/limits/plan.js';
import { budgetCounterKey } from '../data-plane/limits/plan.js';
import { KEEP_AFTER_WINDOW_MS, windowOf } from '../data-plane/limits/window.js';
import type { CounterStore } from '../storage/ports/counter-store.js';
import type { LedgerStore, SpendFilter } from '../storage/ports/ledger-store.js';


export interface LimitsRuntime {
  /** Seeds counters of budgets that have none yet from the ledger (a new budget, a Redis that lost its data). */
  seed(snapshot: RuntimeSnapshot): Promise<void>;
  /**
   * Starts one budget counter from the ledger if it does not exist (admission asks for it before it
   * reserves against a missing counter); concurrent calls for one key share one ledger query.
   */
  seedHold(hold: PlannedHold, snapshot: RuntimeSnapshot): Promise<void>;
  close(): Promise<void>;
}

/**
 * The background half of budgets: renews this process's liveness (so its reservations survive)
 * and reclaims those of crashed processes; seeds budget counters from the ledger.
 */
export async function startLimitsRuntime(deps: {
  readonly counters: CounterStore;
  readonly ledger: LedgerStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly livenessTtlMs: number;
  /** The current snapshot: its budgets are seeded every minute (new windows, new budgets). */
  readonly current: () => RuntimeSnapshot | undefined;
}): Promise<LimitsRuntime> {
  const { counters, ledger, clock, logger, livenessTtlMs } = deps;
  let failing = false;
  /** Since when heartbeats have succeeded without a break (undefined: the last one failed). */
  let healthySince: number | undefined;
  async function beat(): Promise<void> {
    const now = clock.now();
    // Reclaim only after a whole TTL of reaching the store: after an outage (or at start) the other
    // processes may have been unable to renew too, and are alive with requests in flight.
    const reclaim = healthySince !== undefined && now - healthySince >= livenessTtlMs;
    try {
      const { reclaimed } = await counters.heartbeat(now, livenessTtlMs, { reclaim });
      healthySince ??= now;
      if (reclaimed > 0) logger.warn({ reclaimed }, 'reclaimed budget reservations of a process that stopped (crashed or killed)');
      if (failing) logger.info('counter store reachable again');
      failing = false;
    } catch (err) {
      healthySince = undefined;
      if (!failing) logger.error({ err, counters: counters.kind }, 'counter store heartbeat failed; budgets with failMode closed refuse requests until it is back');
      failing = true;
    }
  }
  await beat();
  const timer = setInterval(() => void beat(), Math.max(250, Math.floor(livenessTtlMs / 3)));
  timer.unref();
  const seeded = new Set<string>();
  /** Seeds in progress, by counter key: a burst of requests on a new counter makes one ledger query. */
  const inFlight = new Map<string, Promise<void>>();
  const reseed = setInterval(() => {
    const s = deps.current();
    if (s) void runtime.seed(s);
  }, 60_000);
  reseed.unref();

  /**
   * Spend of a scope: from the hourly/daily rollups when they can answer it exactly (windows start on
   * whole UTC hours; the rollups carry every scope field but tags other than repo), else from the
   * raw events (slow on a big ledger: only for scopes with other tags).
   */
  async function spendOf(f: SpendFilter): Promise<number> {
    const tags = Object.keys(f.tags ?? {});
    if (tags.some((t) => t !== 'repo')) return ledger.spend(f);
    const filter: Record<string, string> = {};
    if (f.team !== undefined) filter.team = f.team;
    if (f.agent !== undefined) filter.agent = f.agent;
    if (f.user !== undefined) filter.user = f.user;
    if (f.workflow !== undefined) filter.workflow = f.workflow;
    if (f.model !== undefined) filter.model = f.model;
    if (f.keyId !== undefined) filter.apiKey = f.keyId;
    if (f.tags?.repo !== undefined) filter.repo = f.tags.repo;
    const result = await ledger.usage({ from: f.from, to: f.to, groupBy: [], filter });
    return result.totals.costMicros;
  }

  /** The ledger's spend of the budget's scope from the window's start, as the counter's committed spend (if it has none). */
  function seedKey(snapshot: RuntimeSnapshot, b: CompiledBudget, key: string, windowStart: number, expiresAt: number): Promise<void> {
    const running = inFlight.get(key);
    if (running) return running;
    const filter: SpendFilter = {
      from: windowStart,
      to: clock.now() + 1,
      team: b.scope.team,
      agent: b.scope.agent,
      user: b.scope.user,
      workflow: b.scope.workflow,
      model: b.scope.model,
      tags: b.scope.tags,
      keyId: b.scope.apiKey === undefined ? undefined : keyIdOf(snapshot, b.scope.apiKey),
    };
    const run = (async () => {
      const spent = await spendOf(filter);
      await counters.seed(key, spent, expiresAt);
      if (seeded.size > 10_000) seeded.clear();
      seeded.add(key);
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, run);
    return run;
  }

  const runtime: LimitsRuntime = {
    async seed(snapshot) {
      const now = clock.now();
      for (const b of snapshot.budgets) {
        if (b.perRun) continue; // one counter per run: runs are short and start at zero
        const w = windowOf(b.window, now);
        const key = budgetCounterKey(b, w.id);
        if (seeded.has(key)) continue;
        try {
          await seedKey(snapshot, b, key, w.start, w.end + KEEP_AFTER_WINDOW_MS);
        } catch (err) {
          logger.warn({ err, budget: b.name }, 'seeding a budget counter from the ledger failed; will retry on the next change');
        }
      }
    },
    seedHold(hold, snapshot) {
      return seedKey(snapshot, hold.budget, hold.hold.key, hold.windowStart, hold.hold.expiresAt);
    },
    async close() {
      clearInterval(timer);
      clearInterval(reseed);
    },
  };
  return runtime;
}

function keyIdOf(snapshot: RuntimeSnapshot, keyName: string): string {
  for (const [, p] of snapshot.keys.entries()) if (p.keyName === keyName) return p.keyId;
  return `missing:${keyName}`;
}
