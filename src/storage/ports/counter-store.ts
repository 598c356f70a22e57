/**
 * Shared counters for budgets, rate limits and concurrency slots (DESIGN §2: the data plane reads
 * only the snapshot and the counter stores). Adapters: memory (one process), SQLite (several
 * processes on one host, one file), Redis (replicas; one Lua script per operation). One contract
 * suite (src/storage/contract/counter-store.contract.ts) runs against all three.
 *
 * Every data-plane request that has limits in scope makes exactly two calls: `admit` before the
 * provider call and `complete` after it. Each is atomic: all checks pass and every change is applied,
 * or nothing changes.
 *
 * Each adapter is created for one process with an `owner` id (host:pid:random): `admit` records the
 * owner with the reservation, and `heartbeat` (called once at start, then every ttl/3 by main)
 * keeps it alive. Reservations and slots whose owner's liveness is missing or lapsed are reclaimed.
 *
 * Amounts are integers (micro-USD for budgets, requests or tokens for rates). `now` is epoch ms from
 * the calling process's clock (passed in so tests control time and adapters never read clocks).
 */

/** A budget counter the request is reserved against (one per matching Budget × window). */
export interface BudgetHold {
  /** e.g. `budget:team-a-monthly:2026-11` (window start in the key, so a new window starts at 0). */
  readonly key: string;
  /** Hard budgets: committed + reserved + grant must stay ≤ limit. Undefined: soft (tracked only). */
  readonly limitMicros: number | undefined;
  /** Epoch ms after which the counter may be dropped (window end + grace). */
  readonly expiresAt: number;
  /**
   * The counter's committed spend is rebuilt from the ledger (`seed`), never started at 0 by a
   * request: while the key does not exist, admit refuses with reason 'unseeded' (changing nothing)
   * so the caller seeds it and tries again, and complete does not create it. Without it (per-run
   * budgets), admit creates a missing counter at 0.
   */
  readonly fromLedger?: boolean;
}

/** A sliding-window rate check (requests/min: amount 1; tokens/min: the estimated tokens). */
export interface RateCheck {
  readonly key: string;
  readonly limit: number;
  readonly windowMs: number;
  readonly amount: number;
}

/** A concurrency slot: in-flight requests for the key stay ≤ limit. */
export interface SlotCheck {
  readonly key: string;
  readonly limit: number;
}

export interface AdmitRequest {
  /** Unique per request (the request id): names the reservation for complete() and reclaim. */
  readonly id: string;
  readonly now: number;
  readonly rates: readonly RateCheck[];
  readonly slots: readonly SlotCheck[];
  readonly holds: readonly BudgetHold[];
  /**
   * The budget grant is min(maxMicros, smallest headroom of the hard holds); refused when that is
   * below minMicros. With no hard hold, the grant is maxMicros. Ignored (0) when holds is empty.
   */
  readonly minMicros: number;
  readonly maxMicros: number;
}

export interface RateState {
  readonly key: string;
  readonly limit: number;
  /** What is left in the window after this request (never negative). */
  readonly remaining: number;
  /** Ms until the window has room for one more unit again (0 if it has room now). */
  readonly resetMs: number;
}

export type AdmitResult =
  | { readonly ok: true; readonly grantedMicros: number; readonly rates: readonly RateState[] }
  | { readonly ok: false; readonly reason: 'rate'; readonly key: string; readonly limit: number; readonly retryAfterMs: number; readonly rates: readonly RateState[] }
  | { readonly ok: false; readonly reason: 'concurrency'; readonly key: string; readonly limit: number }
  | { readonly ok: false; readonly reason: 'budget'; readonly key: string; readonly availableMicros: number }
  /** A `fromLedger` hold whose counter does not exist (new budget or window, a store that lost its data): seed it, then admit again. */
  | { readonly ok: false; readonly reason: 'unseeded'; readonly key: string };

export interface CompleteRequest {
  readonly id: string;
  readonly now: number;
  /** Actual cost: added to `committed` of every hold key of the reservation. */
  readonly actualMicros: number;
  /**
   * The hold keys of the reservation (the caller keeps them): used when the reservation was already
   * reclaimed, so the actual cost is still committed. `grantedMicros` is released only if the
   * reservation still exists (never twice).
   */
  readonly holds: readonly BudgetHold[];
  readonly grantedMicros: number;
  /** Concurrency slots to give back (only if still held by this reservation). */
  readonly slots: readonly string[];
  /** Unconditional additions to rate windows (e.g. output tokens known only now). */
  readonly rateAdds: readonly { readonly key: string; readonly windowMs: number; readonly amount: number }[];
}

export interface BudgetLevel {
  readonly committedMicros: number;
  readonly reservedMicros: number;
}

export interface HeartbeatOptions {
  /**
   * False: renew only. A process that could not reach the store for a while passes false until it
   * has been back for a whole TTL: the others could not renew either, and are alive.
   */
  readonly reclaim?: boolean;
}

export interface CounterStore {
  /** Which adapter (for logs, metrics and error messages): 'memory' | 'sqlite' | 'redis'. */
  readonly kind: string;
  /** Atomic admission: rate checks, slots and the budget grant all pass and are applied, or nothing is. */
  admit(req: AdmitRequest): Promise<AdmitResult>;
  /** Atomic settlement; returns the levels of every hold key after it (threshold alerts). */
  complete(req: CompleteRequest): Promise<Map<string, BudgetLevel>>;
  /** Current levels (absent keys: 0/0). */
  levels(keys: readonly string[]): Promise<Map<string, BudgetLevel>>;
  /**
   * Sets `committed` of a key that does not exist yet (rebuilding from the ledger after the store
   * lost its state); no-op if the key exists. Returns true when it seeded.
   */
  seed(key: string, committedMicros: number, expiresAt: number): Promise<boolean>;
  /**
   * Marks this process alive until now + ttlMs and reclaims the reservations and slots of processes
   * whose liveness lapsed (crashed). Returns how many reservations were reclaimed.
   */
  heartbeat(now: number, ttlMs: number, opts?: HeartbeatOptions): Promise<{ readonly reclaimed: number }>;
  /** True for the first caller only until expiry: one process emits an alert, not every replica. */
  claimOnce(key: string, now: number, ttlMs: number): Promise<boolean>;
  /** Reservations currently held (all processes); tests and the admin API. */
  openReservations(): Promise<number>;
  close(): Promise<void>;
}

/** Thrown (or rejected) by an adapter whose backend is unreachable; the caller applies the fail mode. */
export class CounterStoreUnavailableError extends Error {
  override readonly name = 'CounterStoreUnavailableError';
}
