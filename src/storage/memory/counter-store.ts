import {
  COMPLETED_TTL_MS,
  distinctHolds,
  distinctSlots,
  applyRates,
  checkRates,
  duplicateReservationError,
  grantBudget,
  windowAt,
} from '../counter-rules.js';
import type { AdmitRequest, AdmitResult, BudgetLevel, CounterStore, } from '../ports/counter-store.js';

interface BudgetCell {
  committed: number;
  reserved: number;
  expiresAt: number;
}

/** Two fixed windows of one rate key: `cur` counts window `win`, `prev` window `win − 1`. */
interface RateCell {
  win: number;
  cur: number;
  prev: number;
}

interface Reservation {
  readonly owner: string;
  readonly holds: readonly string[];
  readonly granted: number;
  readonly slots: readonly string[];
}

/**
 * The counters themselves. One per process normally; tests give one state to several stores (one per
 * owner) to play several processes sharing a backend.
 */
export interface MemoryCounterState {
  readonly budgets: Map<string, BudgetCell>;
  /** Keyed by `${windowMs}|${key}`. */
  readonly rates: Map<string, RateCell>;
  readonly slots: Map<string, number>;
  readonly reservations: Map<string, Reservation>;
  /** Owner → ids of its open reservations (reclaim looks only at lapsed owners). */
  readonly owners: Map<string, Set<string>>;
  /** Owner → alive until (epoch ms). */
  readonly liveness: Map<string, number>;
  /** Completed id → remembered until; insertion order is (nearly) expiry order. */
  readonly completed: Map<string, number>;
  readonly claims: Map<string, number>;
}

export function createMemoryCounterState(): MemoryCounterState {
  return {
    budgets: new Map(),
    rates: new Map(),
    slots: new Map(),
    reservations: new Map(),
    owners: new Map(),
    liveness: new Map(),
    completed: new Map(),
    claims: new Map(),
  };
}

export interface MemoryCounterStoreOptions {
  /** This process's id (host:pid:random). */
  readonly owner: string;
  /** Shared counters; a fresh state when absent. */
  readonly state?: MemoryCounterState;
}

const ZERO: BudgetLevel = { committedMicros: 0, reservedMicros: 0 };

/** Counts of window `win` and `win − 1` held in a cell (a cell ahead of `now` counts as current). */
function counts(cell: RateCell | undefined, win: number): [prev: number, cur: number] {
  if (!cell) return [0, 0];
  if (cell.win >= win) return [cell.prev, cell.cur];
  if (cell.win === win - 1) return [cell.cur, 0];
  return [0, 0];
}

/** Counters of one process (node:cluster workers and replicas need SQLite or Redis). Every call is O(checks + holds). */
export function createMemoryCounterStore(options: MemoryCounterStoreOptions): CounterStore {
  const { owner } = options;
  const s = options.state ?? createMemoryCounterState();


  /** A budget cell that is still live at `now` (an expired one is dropped: a new window starts at 0). */
  function liveBudget(key: string, now: number): BudgetCell | undefined {
    const cell = s.budgets.get(key);
    if (cell && cell.expiresAt < now) {
      s.budgets.delete(key);
      return undefined;
    }
    return cell;
  }

  function addRate(key: string, windowMs: number, now: number, amount: number): void {
    if (amount === 0) return;
    const id = `${windowMs}|${key}`;
    const { win } = windowAt(now, windowMs);
    const cell = s.rates.get(id);
    if (!cell) {
      s.rates.set(id, { win, cur: amount, prev: 0 });
      return;
    }
    if (cell.win < win) {
      cell.prev = cell.win === win - 1 ? cell.cur : 0;
      cell.cur = 0;
      cell.win = win;
    }
    cell.cur += amount;
  }

  function release(id: string): boolean {
    const r = s.reservations.get(id);
    if (!r) return false;
    for (const key of r.holds) {
      const cell = s.budgets.get(key);
      if (cell) cell.reserved = Math.max(0, cell.reserved - r.granted);
    }
    for (const key of r.slots) {
      const n = s.slots.get(key) ?? 0;
      if (n > 1) s.slots.set(key, n - 1);
      else s.slots.delete(key);
    }
    s.reservations.delete(id);
    s.owners.get(r.owner)?.delete(id);
    return true;
  }

  function level(key: string): BudgetLevel {
    const cell = s.budgets.get(key);
    return cell ? { committedMicros: cell.committed, reservedMicros: cell.reserved } : ZERO;
  }

  function purge(now: number): void {
    for (const [id, until] of s.completed) {
      if (until >= now) break;
      s.completed.delete(id);
    }
  }

  function admit(req: AdmitRequest): AdmitResult {
    const { now } = req;
    if (s.reservations.has(req.id)) throw duplicateReservationError(req.id);

    // 1. Rates: every check is evaluated; the one needing the longest wait names the refusal.
    const { before, refusal } = checkRates(req.rates, now, (r, win) => counts(s.rates.get(`${r.windowMs}|${r.key}`), win));
    if (refusal) return refusal;

    // 2. Slots.
    const slots = distinctSlots(req.slots);
    for (const c of slots) {
      if ((s.slots.get(c.key) ?? 0) + 1 > c.limit) return { ok: false, reason: 'concurrency', key: c.key, limit: c.limit };
    }

    // 3. Budget grant: the tightest hard hold bounds it.
    const holds = distinctHolds(req.holds);
    const grant = grantBudget(
      holds,
      (h) => {
        const cell = s.budgets.get(h.key);
        return cell && { committed: cell.committed, reserved: cell.reserved, live: cell.expiresAt >= now };
      },
      req.minMicros,
      req.maxMicros,
    );
    if (!grant.ok) return grant;
    const granted = grant.granted;

    // 4. Apply.
    const rates = applyRates(req.rates, before, (c) => addRate(c.key, c.windowMs, now, c.amount));
    for (const c of slots) s.slots.set(c.key, (s.slots.get(c.key) ?? 0) + 1);
    for (const h of holds) {
      const cell = liveBudget(h.key, now);
      if (cell) {
        cell.reserved += granted;
        cell.expiresAt = h.expiresAt;
      } else {
        s.budgets.set(h.key, { committed: 0, reserved: granted, expiresAt: h.expiresAt });
      }
    }
    if (holds.length > 0 || slots.length > 0) {
      s.reservations.set(req.id, { owner, holds: holds.map((h) => h.key), granted, slots: slots.map((c) => c.key) });
      const mine = s.owners.get(owner);
      if (mine) mine.add(req.id);
      else s.owners.set(owner, new Set([req.id]));
    }
    return { ok: true, grantedMicros: granted, rates };
  }

  const store: CounterStore = {
    kind: 'memory',

    async admit(req) {
      return admit(req);
    },

    async complete(req) {
      const { now } = req;
      const holds = distinctHolds(req.holds);
      if (!s.completed.has(req.id)) {
        purge(now);
        release(req.id);
        for (const h of holds) {
          // A counter rebuilt from the ledger is never started here (the ledger has this request's cost).
          if (h.fromLedger && !s.budgets.has(h.key)) continue;
          const cell = liveBudget(h.key, now);
          if (cell) {
            cell.committed += req.actualMicros;
            cell.expiresAt = h.expiresAt;
          } else {
            s.budgets.set(h.key, { committed: req.actualMicros, reserved: 0, expiresAt: h.expiresAt });
          }
        }
        for (const a of req.rateAdds) addRate(a.key, a.windowMs, now, a.amount);
        s.completed.set(req.id, now + COMPLETED_TTL_MS);
      }
      return new Map(holds.map((h) => [h.key, level(h.key)]));
    },

    async levels(keys) {
      return new Map(keys.map((k) => [k, level(k)]));
    },

    async seed(key, committedMicros, expiresAt) {
      if (s.budgets.has(key)) return false;
      s.budgets.set(key, { committed: committedMicros, reserved: 0, expiresAt });
      return true;
    },

    async heartbeat(now, ttlMs, opts) {
      s.liveness.set(owner, now + ttlMs);
      let reclaimed = 0;
      for (const [o, ids] of s.owners) {
        if (o === owner || opts?.reclaim === false) continue;
        const until = s.liveness.get(o);
        if (until !== undefined && until >= now) continue;
        for (const id of ids) if (release(id)) reclaimed++;
        s.owners.delete(o);
      }
      for (const [o, until] of s.liveness) if (until < now) s.liveness.delete(o);
      // Lazy expiry of everything else, once per heartbeat.
      purge(now);
      for (const [key, cell] of s.budgets) if (cell.expiresAt < now) s.budgets.delete(key);
      for (const [key, cell] of s.rates) {
        const windowMs = Number(key.slice(0, key.indexOf('|')));
        if (windowAt(now, windowMs).win - cell.win > 1) s.rates.delete(key);
      }
      for (const [key, until] of s.claims) if (until <= now) s.claims.delete(key);
      return { reclaimed };
    },

    async claimOnce(key, now, ttlMs) {
      const until = s.claims.get(key);
      if (until !== undefined && until > now) return false;
      s.claims.set(key, now + ttlMs);
      return true;
    },

    async openReservations() {
      return s.reservations.size;
    },

    async close() {},
  };
  return store;
}
