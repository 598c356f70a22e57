/**
 * Retry budget per model (Finagle's RetryBudget): over a sliding window, retries may add at most
 * `ratio` × requests, plus a reserve of `minPerSecond` per second so a quiet model can still retry.
 * When an upstream fails for everyone, retries stop multiplying the load on it; the requests fail
 * over or fail fast instead. Only same-deployment retries spend it (failover is bounded by the
 * deployment count). Per process, like the breakers.
 */
export interface RetryBudget {
  /** Counts a request towards `model`'s budget (once per request and model). */
  deposit(model: string): void;
  /** Takes one retry if the budget allows it. */
  tryWithdraw(model: string, ratio: number, minPerSecond: number): boolean;
}

const WINDOW_MS = 10_000;
const SLOTS = 10;
const SLOT_MS = WINDOW_MS / SLOTS;

interface Slot {
  epoch: number;
  requests: number;
  retries: number;
}

interface Ledger {
  readonly slots: Slot[];
  lastUsed: number;
}

export function createRetryBudget(clock: { now(): number }): RetryBudget {
  const models = new Map<string, Ledger>();
  let lastSweep = 0;

  /** Models not seen for a whole window hold nothing: drop them so renamed models do not leak. */
  function sweep(now: number): void {
    if (now - lastSweep < WINDOW_MS) return;
    lastSweep = now;
    for (const [name, ledger] of models) if (now - ledger.lastUsed > WINDOW_MS) models.delete(name);
  }

  function current(model: string, now: number): Slot {
    sweep(now);
    let ledger = models.get(model);
    if (!ledger) {
      ledger = { slots: Array.from({ length: SLOTS }, () => ({ epoch: -1, requests: 0, retries: 0 })), lastUsed: now };
      models.set(model, ledger);
    }
    ledger.lastUsed = now;
    const epoch = Math.floor(now / SLOT_MS);
    const slot = ledger.slots[epoch % SLOTS] as Slot;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.requests = 0;
      slot.retries = 0;
    }
    return slot;
  }

  function totals(model: string, now: number): { requests: number; retries: number } {
    const oldest = Math.floor(now / SLOT_MS) - SLOTS + 1;
    let requests = 0;
    let retries = 0;
    for (const slot of models.get(model)?.slots ?? []) {
      if (slot.epoch < oldest) continue;
      requests += slot.requests;
      retries += slot.retries;
    }
    return { requests, retries };
  }

  return {
    deposit(model) {
      current(model, clock.now()).requests++;
    },
    tryWithdraw(model, ratio, minPerSecond) {
      const now = clock.now();
      const slot = current(model, now);
      const { requests, retries } = totals(model, now);
      const allowed = Math.floor(ratio * requests + (minPerSecond * WINDOW_MS) / 1000);
      if (retries >= allowed) return false;
      slot.retries++;
      return true;
    },
  };
}
