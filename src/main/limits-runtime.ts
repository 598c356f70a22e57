import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { RuntimeSnapshot } from '../data-plane/snapshot.js';
import { KEEP_AFTER_WINDOW_MS, windowOf } from '../data-plane/limits/window.js';
import type { CounterStore } from '../storage/ports/counter-store.js';
import type { LedgerStore, SpendFilter } from '../storage/ports/ledger-store.js';


export interface LimitsRuntime {
  /** Seeds counters of budgets that have none yet from the ledger (a new budget, a Redis that lost its data). */
  seed(snapshot: RuntimeSnapshot): Promise<void>;
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
  async function beat(): Promise<void> {
    try {
      const { reclaimed } = await counters.heartbeat(clock.now(), livenessTtlMs);
      if (reclaimed > 0) logger.warn({ reclaimed }, 'reclaimed budget reservations of a process that stopped (crashed or killed)');
      if (failing) logger.info('counter store reachable again');
      failing = false;
    } catch (err) {
      if (!failing) logger.error({ err, counters: counters.kind }, 'counter store heartbeat failed; budgets with failMode closed refuse requests until it is back');
      failing = true;
    }
  }
  await beat();
  const timer = setInterval(() => void beat(), Math.max(250, Math.floor(livenessTtlMs / 3)));
  timer.unref();
  const seeded = new Set<string>();
  const reseed = setInterval(() => {
    const s = deps.current();
    if (s) void runtime.seed(s);
  }, 60_000);
  reseed.unref();

  const runtime: LimitsRuntime = {
    async seed(snapshot) {
      const now = clock.now();
      for (const b of snapshot.budgets) {
        if (b.perRun) continue; // one counter per run: runs are short and start at zero
        const w = windowOf(b.window, now);
        const key = `budget:${b.name}:${w.id}`;
        if (seeded.has(key)) continue;
        if (seeded.size > 10_000) seeded.clear();
        const filter: SpendFilter = {
          from: w.start,
          to: now + 1,
          team: b.scope.team,
          agent: b.scope.agent,
          user: b.scope.user,
          workflow: b.scope.workflow,
          model: b.scope.model,
          tags: b.scope.tags,
          keyId: b.scope.apiKey === undefined ? undefined : keyIdOf(snapshot, b.scope.apiKey),
        };
        try {
          const spent = await ledger.spend(filter);
          await counters.seed(key, spent, w.end + KEEP_AFTER_WINDOW_MS);
          seeded.add(key);
        } catch (err) {
          logger.warn({ err, budget: b.name }, 'seeding a budget counter from the ledger failed; will retry on the next change');
        }
      }
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
