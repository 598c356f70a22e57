import type { CounterStore } from '../ports/counter-store.js';

/**
 * Many concurrent admit → complete cycles against one hard budget (issue 7's invariant). Used by the
 * contract suite (several stores in one process) and by child processes (SQLite shared by processes).
 */
export interface CounterLoadOptions {
  /** Request ids are `${idPrefix}-${i}` for i in [from, to). */
  readonly idPrefix: string;
  readonly from: number;
  readonly to: number;
  /** Async cycles in flight at once (per call). */
  readonly concurrency: number;
  readonly holdKey: string;
  readonly limitMicros: number;
  readonly expiresAt: number;
  readonly slotKey: string;
  readonly slotLimit: number;
  readonly rateKey: string;
}

export interface CounterLoadResult {
  readonly admitted: number;
  readonly refusedBudget: number;
  readonly refusedOther: number;
  /** Sum of the actual costs completed for admitted requests. */
  readonly actualMicros: number;
  /** Admits with a grant smaller than the maximum (the last slices of the budget). */
  readonly partialGrants: number;
}

export const LOAD_MIN_MICROS = 100;
export const LOAD_MAX_MICROS = 500;

/** Deterministic "actual cost" in [1, granted]: any value the gateway may settle to. */
function actualFor(i: number, granted: number): number {
  const h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return 1 + (h % granted);
}

const pause = (i: number) => new Promise<void>((resolve) => (i % 3 === 0 ? setImmediate(resolve) : setTimeout(resolve, i % 3)));

export async function runCounterLoad(stores: readonly CounterStore[], o: CounterLoadOptions): Promise<CounterLoadResult> {
  let next = o.from;
  let admitted = 0;
  let refusedBudget = 0;
  let refusedOther = 0;
  let actualMicros = 0;
  let partialGrants = 0;
  const hold = { key: o.holdKey, limitMicros: o.limitMicros, expiresAt: o.expiresAt };

  async function worker(): Promise<void> {
    while (next < o.to) {
      const i = next++;
      const store = stores[i % stores.length]!;
      const id = `${o.idPrefix}-${i}`;
      const r = await store.admit({
        id,
        now: Date.now(),
        rates: [{ key: o.rateKey, limit: 1_000_000, windowMs: 60_000, amount: 1 }],
        slots: [{ key: o.slotKey, limit: o.slotLimit }],
        holds: [hold],
        minMicros: LOAD_MIN_MICROS,
        maxMicros: LOAD_MAX_MICROS,
      });
      if (!r.ok) {
        if (r.reason === 'budget') refusedBudget++;
        else refusedOther++;
        await pause(i);
        continue;
      }
      admitted++;
      if (r.grantedMicros < LOAD_MAX_MICROS) partialGrants++;
      await pause(i);
      const actual = actualFor(i, r.grantedMicros);
      await store.complete({
        id,
        now: Date.now(),
        actualMicros: actual,
        holds: [hold],
        grantedMicros: r.grantedMicros,
        slots: [o.slotKey],
        rateAdds: [{ key: o.rateKey, windowMs: 60_000, amount: 1 }],
      });
      actualMicros += actual;
    }
  }

  await Promise.all(Array.from({ length: o.concurrency }, () => worker()));
  return { admitted, refusedBudget, refusedOther, actualMicros, partialGrants };
}
