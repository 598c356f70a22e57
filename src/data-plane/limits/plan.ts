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
  /** Epoch ms when the window ends (the budget resets). */
  readonly windowEnd: number;
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

function partition(rl: CompiledRateLimit, f: RequestFacts): string {
  if (rl.per === undefined) return '*';
  return f[rl.per] ?? '-';
}

/** Budgets and rate limits whose scope matches; undefined when none does (no counter call at all). */
export function planLimits(snapshot: RuntimeSnapshot, f: RequestFacts, now: number): LimitPlan | undefined {
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
    const key = b.perRun ? `budget:${b.name}:${w.id}:run:${f.run}` : `budget:${b.name}:${w.id}`;
    const p = open();
    p.holds.push({ budget: b, windowId: w.id, windowEnd: w.end, hold: { key, limitMicros: b.hard ? b.limitMicros : undefined, expiresAt: w.end + KEEP_AFTER_WINDOW_MS } });
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
