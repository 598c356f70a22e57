import { afterEach } from 'vitest';
import type { AdmitRequest, BudgetHold, CompleteRequest, CounterStore } from '../ports/counter-store.js';

/** One backend (a memory state, a SQLite file, a Redis prefix) that several stores (processes) share. */
export interface CounterBackend {
  /** A store for one process, identified by `owner`. */
  open(owner: string): Promise<CounterStore> | CounterStore;
  /** Removes what the backend left behind (files, keys). */
  dispose?(): Promise<void>;
}

export type MakeCounterBackend = () => Promise<CounterBackend> | CounterBackend;

export const WINDOW = 60_000;
export const DAY = 86_400_000;

/** A window start a little ahead of the real clock (Redis expires keys by its own clock, so tests never use past times). */
export function windowStart(): number {
  return (Math.floor(Date.now() / WINDOW) + 2) * WINDOW;
}

export function hardHold(key: string, limitMicros: number, t0: number): BudgetHold {
  return { key, limitMicros, expiresAt: t0 + DAY };
}

export function softHold(key: string, t0: number): BudgetHold {
  return { key, limitMicros: undefined, expiresAt: t0 + DAY };
}

export function admitReq(id: string, now: number, over: Partial<AdmitRequest> = {}): AdmitRequest {
  return { id, now, rates: [], slots: [], holds: [], minMicros: 0, maxMicros: 0, ...over };
}

export function completeReq(id: string, now: number, over: Partial<CompleteRequest> = {}): CompleteRequest {
  return { id, now, actualMicros: 0, holds: [], grantedMicros: 0, slots: [], rateAdds: [], ...over };
}

/** Opens backends and stores for one test and closes / disposes them after it. */
export function useCounterBackends(make: MakeCounterBackend): () => Promise<{ open(owner: string): Promise<CounterStore> }> {
  let stores: CounterStore[] = [];
  let backends: CounterBackend[] = [];
  afterEach(async () => {
    for (const s of stores) await s.close();
    for (const b of backends) await b.dispose?.();
    stores = [];
    backends = [];
  });
  return async () => {
    const b = await make();
    backends.push(b);
    return {
      async open(owner: string) {
        const s = await b.open(owner);
        stores.push(s);
        return s;
      },
    };
  };
}
