import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { LedgerStore } from '../storage/ports/ledger-store.js';

export interface SpendViewOptions {
  readonly ledger: Pick<LedgerStore, 'spend'>;
  readonly clock: Pick<Clock, 'now'>;
  readonly logger: Logger;
  /** Refresh interval (default 10 s). */
  readonly refreshMs?: number;
}

export interface RunningSpendView {
  /** Month-to-date (UTC) spend of the team as last read; 0 until the first read (started at once) of a team new to this process. */
  monthToDateMicros(team: string): number;
  /** Reads every team seen so far now (tests; the timer does it every refreshMs). */
  refresh(): Promise<void>;
  stop(): void;
}

function monthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/**
 * Teams' month-to-date spend for policies (`context.projectedSpendMicros`), per process: the request
 * path only reads a map; a timer re-reads the teams seen from the ledger. Approximate by design
 * (seconds behind, per process): exact enforcement is the Budget's job, a policy is a guard rail.
 */
export function startSpendView(options: SpendViewOptions): RunningSpendView {
  const { ledger, clock, logger } = options;
  const spent = new Map<string, number>();
  let running: Promise<void> | undefined;

  async function readAll(): Promise<void> {
    const now = clock.now();
    const from = monthStart(now);
    for (const team of [...spent.keys()]) spent.set(team, await ledger.spend({ from, to: now + 1, team }));
  }

  function refresh(): Promise<void> {
    running ??= readAll()
      .catch((err: unknown) => logger.warn({ err }, 'reading team spend for policies failed; keeping the last values'))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = setInterval(() => void refresh(), options.refreshMs ?? 10_000);
  timer.unref();
  return {
    monthToDateMicros(team) {
      const value = spent.get(team);
      if (value !== undefined) return value;
      // First sight of a team: remember it and read it now in the background (after a read in
      // progress, which started without it), never wait for the ledger here. Until then it is 0.
      spent.set(team, 0);
      void (running ? running.then(refresh) : refresh());
      return 0;
    },
    refresh,
    stop() {
      clearInterval(timer);
    },
  };
}
