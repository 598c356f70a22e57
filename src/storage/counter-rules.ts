import type { AdmitResult, BudgetHold, RateCheck, RateState, SlotCheck } from './ports/counter-store.js';

/**
 * The arithmetic every CounterStore adapter shares (the Redis Lua scripts mirror it line by line:
 * src/storage/redis/lua/common.ts). Integers in, integers out; no clocks.
 */

/** How long a completed reservation id is remembered, so a repeated complete() is a no-op. */
export const COMPLETED_TTL_MS = 600_000;

/** Separator of the hold and slot keys stored with a reservation (keys never contain a newline). */
export const KEY_SEPARATOR = '\n';

/** Index of the fixed window `now` falls in, and the ms elapsed since that window started. */
export function windowAt(now: number, windowMs: number): { readonly win: number; readonly elapsed: number } {
  const win = Math.floor(now / windowMs);
  return { win, elapsed: now - win * windowMs };
}

/**
 * Sliding-window estimate from two fixed windows: the previous window's count weighted by the share
 * of it still inside the sliding window (rounded up), plus the current window's count.
 */
export function slidingEstimate(prev: number, cur: number, elapsed: number, windowMs: number): number {
  return prev === 0 ? cur : Math.ceil((prev * (windowMs - elapsed)) / windowMs) + cur;
}

/**
 * Ms from now until the estimate leaves room for `amount` with no further traffic: 0 when it fits
 * now, at least 1 otherwise, and the window length when `amount` exceeds the limit (never fits).
 */
export function rateWaitMs(prev: number, cur: number, elapsed: number, windowMs: number, limit: number, amount: number): number {
  if (amount > limit) return windowMs;
  if (slidingEstimate(prev, cur, elapsed, windowMs) + amount <= limit) return 0;
  const room = limit - amount - cur;
  if (room >= 0) {
    // Fits once ceil(prev × (W − e) / W) ≤ room, i.e. from e = W − floor(room × W / prev) on (prev > 0 here).
    return Math.max(1, windowMs - Math.floor((room * windowMs) / prev) - elapsed);
  }
  // The current window alone is too full: wait for the next one, where `cur` becomes the previous.
  const room2 = limit - amount;
  return Math.max(1, windowMs - elapsed + windowMs - Math.floor((room2 * windowMs) / cur));
}

/** The state a client sees for one rate check, given the window counts (after applying, if admitted). */
export function rateState(key: string, limit: number, prev: number, cur: number, elapsed: number, windowMs: number): RateState {
  const remaining = Math.max(0, limit - slidingEstimate(prev, cur, elapsed, windowMs));
  return { key, limit, remaining, resetMs: rateWaitMs(prev, cur, elapsed, windowMs, limit, 1) };
}

/** Smaller of two limits where undefined means none. */
function minLimit(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Holds with distinct keys (a key named twice is held once, against the tighter limit). Usually returns `holds` itself. */
export function distinctHolds(holds: readonly BudgetHold[]): readonly BudgetHold[] {
  if (holds.length < 2) return holds;
  const seen = new Map<string, BudgetHold>();
  for (const h of holds) {
    const before = seen.get(h.key);
    seen.set(
      h.key,
      before
        ? { key: h.key, limitMicros: minLimit(before.limitMicros, h.limitMicros), expiresAt: Math.max(before.expiresAt, h.expiresAt), fromLedger: before.fromLedger === true || h.fromLedger === true }
        : h,
    );
  }
  return seen.size === holds.length ? holds : [...seen.values()];
}

/** Slot checks with distinct keys (one slot per key, against the tighter limit). Usually returns `slots` itself. */
export function distinctSlots(slots: readonly SlotCheck[]): readonly SlotCheck[] {
  if (slots.length < 2) return slots;
  const seen = new Map<string, SlotCheck>();
  for (const s of slots) {
    const before = seen.get(s.key);
    seen.set(s.key, before ? { key: s.key, limit: Math.min(before.limit, s.limit) } : s);
  }
  return seen.size === slots.length ? slots : [...seen.values()];
}

/** Thrown when admit() is called with the id of a reservation that is still open (a caller bug). */
export function duplicateReservationError(id: string): Error {
  return new Error(`Counter reservation "${id}" is already open: admit() needs a new id per request (complete() the old one first).`);
}

/** What a hold's counter holds now: undefined when it does not exist; `live` false when it expired. */
export interface HoldLevel {
  readonly committed: number;
  readonly reserved: number;
  readonly live: boolean;
}

export type BudgetGrant =
  | { readonly ok: true; readonly granted: number }
  | { readonly ok: false; readonly reason: 'unseeded'; readonly key: string }
  | { readonly ok: false; readonly reason: 'budget'; readonly key: string; readonly availableMicros: number };

/**
 * The budget rule every adapter applies (the Redis Lua mirrors it): the grant is min(maxMicros, the
 * tightest hard hold's room); refused below minMicros; a counter that must start from the ledger
 * and does not exist yet is refused as unseeded (nothing changes either way).
 */
export function grantBudget(holds: readonly BudgetHold[], levelOf: (h: BudgetHold) => HoldLevel | undefined, minMicros: number, maxMicros: number): BudgetGrant {
  if (holds.length === 0) return { ok: true, granted: 0 };
  let tightKey: string | undefined;
  let tightRoom = Number.POSITIVE_INFINITY;
  for (const h of holds) {
    const level = levelOf(h);
    if (h.fromLedger && level === undefined) return { ok: false, reason: 'unseeded', key: h.key };
    if (h.limitMicros === undefined) continue;
    const room = h.limitMicros - (level?.live ? level.committed + level.reserved : 0);
    if (room < tightRoom) {
      tightRoom = room;
      tightKey = h.key;
    }
  }
  const granted = Math.min(maxMicros, tightRoom);
  if (tightKey !== undefined && granted < minMicros) return { ok: false, reason: 'budget', key: tightKey, availableMicros: Math.max(0, tightRoom) };
  return { ok: true, granted };
}

/** Each rate window before the request: previous count, current count, ms elapsed in the current window. */
export type RateBefore = readonly [prev: number, cur: number, elapsed: number];

/**
 * The rate rule every adapter applies (the Redis Lua mirrors it): reads each sliding window, and
 * refuses with the check that waits longest when any would go over its limit.
 */
export function checkRates(
  rates: readonly RateCheck[],
  now: number,
  countsOf: (check: RateCheck, win: number) => readonly [prev: number, cur: number],
): { readonly before: readonly RateBefore[]; readonly refusal: Extract<AdmitResult, { reason: 'rate' }> | undefined } {
  let refusal = -1;
  let refusalWait = 0;
  const before: RateBefore[] = [];
  for (let i = 0; i < rates.length; i++) {
    const r = rates[i] as RateCheck;
    const { win, elapsed } = windowAt(now, r.windowMs);
    const [prev, cur] = countsOf(r, win);
    before.push([prev, cur, elapsed]);
    if (r.amount > 0 && slidingEstimate(prev, cur, elapsed, r.windowMs) + r.amount > r.limit) {
      const wait = rateWaitMs(prev, cur, elapsed, r.windowMs, r.limit, r.amount);
      if (wait > refusalWait) {
        refusal = i;
        refusalWait = wait;
      }
    }
  }
  if (refusal < 0) return { before, refusal: undefined };
  const r = rates[refusal] as RateCheck;
  const states = rates.map((c, i) => rateState(c.key, c.limit, before[i]![0], before[i]![1], before[i]![2], c.windowMs));
  return { before, refusal: { ok: false, reason: 'rate', key: r.key, limit: r.limit, retryAfterMs: refusalWait, rates: states } };
}

/** Counts an admitted request in each rate window (`add` writes it) and reports what is left. */
export function applyRates(rates: readonly RateCheck[], before: readonly RateBefore[], add: (check: RateCheck) => void): RateState[] {
  return rates.map((c, i) => {
    const [prev, cur, elapsed] = before[i] as RateBefore;
    add(c);
    return rateState(c.key, c.limit, prev, cur + c.amount, elapsed, c.windowMs);
  });
}
