import type { BudgetHold, RateCheck, SlotCheck } from '../../storage/ports/counter-store.js';
import type { CompiledBudget, CompiledRateLimit, RuntimeSnapshot } from '../snapshot.js';
import { type RequestFacts, scopeMatches } from './scope.js';
import { KEEP_AFTER_WINDOW_MS, windowOf } from './window.js';

const MINUTE = 60_000;

/** A budget counter this request is held against. */
export interface PlannedHold {
  readonly budget: CompiledBudget;
  readonly hold: BudgetHold;
  readonly windowId: string;
  /** Epoch ms when the window starts (the ledger's spend from then on seeds the counter). */
  readonly windowStart: number;
  /** Epoch ms when the window ends (the budget resets). */
  readonly windowEnd: number;
  /** The counter as users see it, e.g. `budget:team-a-monthly:2026-11` (alert ids). */
  readonly label: string;
}

/** The limits in scope of one request, as counter operations. */
export interface LimitPlan {
  readonly holds: readonly PlannedHold[];
  readonly rates: readonly RateCheck[];
  readonly slots: readonly SlotCheck[];
  /** Which RateLimit each rate/slot key belongs to (messages, metrics). */
  readonly owners: ReadonlyMap<string, CompiledRateLimit>;
  /** Tokens-per-minute windows: the actual tokens are added at settlement. */
  readonly tokenWindows: readonly string[];
  readonly failClosed: boolean;
}

/**
 * What a budget counts (its scope and `per: run`), as a short hash in its counter key: a budget whose
 * scope is edited gets a new counter, seeded from the ledger's spend of the new scope, instead of
 * carrying on with the old scope's spend (e.g. widened from one team to all traffic).
 */
function scopeFingerprint(b: CompiledBudget): string {
  const s = b.scope;
  const tags = s.tags ? Object.keys(s.tags).sort().map((k) => `${k}=${s.tags?.[k]}`).join('\u0001') : '';
  const text = `${s.team ?? ''}\u0000${s.agent ?? ''}\u0000${s.apiKey ?? ''}\u0000${s.user ?? ''}\u0000${s.workflow ?? ''}\u0000${s.model ?? ''}\u0000${tags}\u0000${b.perRun}`;
  let h = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** How the counter of a budget in one window (and one run for `per: run`) is named in messages and alert ids. */
export function budgetCounterLabel(budget: CompiledBudget, windowId: string, run?: string): string {
  return run === undefined ? `budget:${budget.name}:${windowId}` : `budget:${budget.name}:${windowId}:run:${run}`;
}

/** The counter of a budget in one window (and one run for `per: run`): its label plus what it counts. */
export function budgetCounterKey(budget: CompiledBudget, windowId: string, run?: string): string {
  return `${budgetCounterLabel(budget, windowId, run)}:${scopeFingerprint(budget)}`;
}

function partition(rl: CompiledRateLimit, f: RequestFacts): string {
  if (rl.per === undefined) return '*';
  return f[rl.per] ?? '-';
}

/**
 * Budgets and rate limits whose scope matches; undefined when none does (no counter call at all).
 * `fromLedger`: budget counters (all but per-run ones) are seeded from the ledger, never started at 0
 * by a request (the caller can seed them).
 */
export function planLimits(snapshot: RuntimeSnapshot, f: RequestFacts, now: number, fromLedger = false): LimitPlan | undefined {
  // Allocated only when something matches: most requests of most installations match nothing.
  let plan: { holds: PlannedHold[]; rates: RateCheck[]; slots: SlotCheck[]; owners: Map<string, CompiledRateLimit>; tokenWindows: string[]; failClosed: boolean } | undefined;
  const open = () => {
    if (!plan) plan = { holds: [], rates: [], slots: [], owners: new Map(), tokenWindows: [], failClosed: false };
    return plan;
  };
  for (const b of snapshot.budgets) {
    if (!scopeMatches(b.scope, f)) continue;
    if (b.perRun && f.run === undefined) continue;
    const w = windowOf(b.window, now);
    const run = b.perRun ? f.run : undefined;
    const key = budgetCounterKey(b, w.id, run);
    const p = open();
    const hold = { key, limitMicros: b.hard ? b.limitMicros : undefined, expiresAt: w.end + KEEP_AFTER_WINDOW_MS, fromLedger: fromLedger && !b.perRun };
    p.holds.push({ budget: b, windowId: w.id, windowStart: w.start, windowEnd: w.end, label: budgetCounterLabel(b, w.id, run), hold });
    p.failClosed ||= b.failClosed;
  }
  for (const rl of snapshot.rateLimits) {
    if (!scopeMatches(rl.scope, f)) continue;
    const base = `rl:${rl.name}:${partition(rl, f)}`;
    const p = open();
    if (rl.requestsPerMinute !== undefined) {
      p.rates.push({ key: `${base}:rpm`, limit: rl.requestsPerMinute, windowMs: MINUTE, amount: 1 });
      p.owners.set(`${base}:rpm`, rl);
    }
    if (rl.tokensPerMinute !== undefined) {
      // Admission asks for one token of room; the request's real tokens are added when it ends.
      p.rates.push({ key: `${base}:tpm`, limit: rl.tokensPerMinute, windowMs: MINUTE, amount: 1 });
      p.tokenWindows.push(`${base}:tpm`);
      p.owners.set(`${base}:tpm`, rl);
    }
    if (rl.concurrent !== undefined) {
      p.slots.push({ key: `${base}:conc`, limit: rl.concurrent });
      p.owners.set(`${base}:conc`, rl);
    }
    p.failClosed ||= rl.failClosed;
  }
  return plan;
}
