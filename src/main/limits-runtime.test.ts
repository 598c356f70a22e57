import { describe, expect, it } from 'vitest';
import type { Clock } from '../kernel/clock.js';
import { silentLogger } from '../kernel/logger.js';
import { createLimits } from '../data-plane/limits/limits.js';
import { budgetCounterKey } from '../data-plane/limits/plan.js';
import { newRequestContext, type RequestContext } from '../data-plane/context.js';
import type { CompiledBudget, CompiledModel, RuntimeSnapshot } from '../data-plane/snapshot.js';
import { createMemoryCounterState, createMemoryCounterStore } from '../storage/memory/counter-store.js';
import type { LedgerStore, SpendFilter, UsageQuery } from '../storage/ports/ledger-store.js';
import { telemetryChannels } from '../telemetry/channels.js';
import { startLimitsRuntime } from './limits-runtime.js';
import { compiledModel, testSnapshot } from '../../test/helpers/compiled.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const clock: Clock = { now: () => NOW, monotonic: () => 0 };
const MODEL: CompiledModel = compiledModel({
  name: 'm',
  type: 'chat',
  deployments: [],
  pricing: { free: false, version: 'test', prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 4_000_000, perRequest: 0 } },
  limits: { maxOutputTokens: 100, contextWindow: undefined },
});
const BUDGET: CompiledBudget = { name: 'team-a-monthly', scope: { team: 'team-a' }, perRun: false, window: 'monthly', limitMicros: 1_000, hard: true, alerts: [], failClosed: true };
const KEY = budgetCounterKey(BUDGET, '2026-11');
const SNAPSHOT = testSnapshot({ models: new Map([['m', MODEL]]), budgets: [BUDGET] });

let seq = 0;
const ctx = (): RequestContext => ({
  ...newRequestContext({ requestId: `req_${++seq}`, endpoint: 'chat.completions', startedAt: NOW, startMono: 0, headers: {}, snapshot: SNAPSHOT }),
  principal: { keyId: 'k1', keyName: 'key-a', team: 'team-a' },
  attribution: { agent: undefined, workflow: undefined, run: undefined, tags: {} },
  requestedModel: 'm',
  model: MODEL,
});

/** A ledger whose team-a has already spent 900 micros this month; its queries take `delayMs`. */
function ledger(delayMs: number, spent = 900): { store: LedgerStore; queries: SpendFilter[]; fail: { on: boolean } } {
  const queries: SpendFilter[] = [];
  const fail = { on: false };
  const answer = async (team: string | undefined) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (fail.on) throw new Error('database is locked');
    return team === 'team-a' ? spent : team === undefined ? 5_000 : 0; // all traffic: 5,000
  };
  // Scopes the rollups can answer go to usage(); others (tags but repo) to spend() over raw events.
  const store = {
    async spend(filter: SpendFilter) {
      queries.push(filter);
      return answer(filter.team);
    },
    async usage(q: UsageQuery) {
      const team = q.filter?.team as string | undefined;
      queries.push({ from: q.from, to: q.to, team });
      return { from: q.from, to: q.to, rows: [], truncated: false, totals: { costMicros: await answer(team) } };
    },
  } as unknown as LedgerStore;
  return { store, queries, fail };
}

async function setup(delayMs: number) {
  const state = createMemoryCounterState();
  const counters = createMemoryCounterStore({ owner: 'p1', state });
  const l = ledger(delayMs);
  const runtime = await startLimitsRuntime({ counters, ledger: l.store, clock, logger: silentLogger, livenessTtlMs: 60_000, current: () => SNAPSHOT });
  const limits = createLimits({ counters, clock, channels: telemetryChannels(), logger: silentLogger, seed: runtime.seedHold });
  return { state, counters, runtime, limits, ledger: l };
}

// 100 input tokens + 50 output tokens at $4/1M: a worst case of 300 micros; 900 of 1,000 are spent.
const input = { inputTokensBound: () => 100, requestedMaxOutput: 50, hasOutput: true };

describe('budget counters start from the ledger, never at 0', () => {
  it('a request racing the seeding of a new budget sees the spend already in its window', async () => {
    const { runtime, limits, counters, ledger: l } = await setup(20);
    try {
      // What the gateway does on a snapshot swap: seeding runs in the background while requests arrive.
      const background = runtime.seed(SNAPSHOT);
      const burst = await Promise.allSettled(Array.from({ length: 5 }, () => limits.admit(ctx(), input)));
      await background;
      expect(burst.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'admitted'))).toEqual(Array(5).fill('GW_BUDGET_EXHAUSTED'));
      expect((await counters.levels([KEY])).get(KEY)).toEqual({ committedMicros: 900, reservedMicros: 0 });
      expect(l.queries.length).toBe(1); // the burst and the background seeding shared one ledger query
    } finally {
      await runtime.close();
      await limits.close();
    }
  });

  it('a counter store that lost its data is seeded again before the next reservation', async () => {
    const { runtime, limits, state, counters } = await setup(1);
    try {
      await runtime.seed(SNAPSHOT);
      state.budgets.clear(); // a Redis FLUSHALL, a deleted counters.db
      await expect(limits.admit(ctx(), input)).rejects.toMatchObject({ code: 'GW_BUDGET_EXHAUSTED' });
      expect((await counters.levels([KEY])).get(KEY)?.committedMicros).toBe(900);
    } finally {
      await runtime.close();
      await limits.close();
    }
  });

  it('a budget whose scope is widened counts the new scope\'s spend, not the old counter', async () => {
    const { runtime, limits } = await setup(1);
    try {
      const narrow: RuntimeSnapshot = { ...SNAPSHOT, budgets: [{ ...BUDGET, limitMicros: 2_000 }] };
      const c = { ...ctx(), snapshot: narrow };
      await expect(limits.admit(c, input)).resolves.toBeUndefined(); // team-a: 900 of 2,000 spent
      limits.settle(c, { costMicros: 0, inputTokens: 0, outputTokens: 0 } as never);
      // The same budget now holds all traffic, which has spent 5,000 this month.
      const wide: RuntimeSnapshot = { ...SNAPSHOT, budgets: [{ ...BUDGET, scope: {}, limitMicros: 2_000 }] };
      await expect(limits.admit({ ...ctx(), snapshot: wide }, input)).rejects.toMatchObject({ code: 'GW_BUDGET_EXHAUSTED' });
    } finally {
      await runtime.close();
      await limits.close();
    }
  });

  it('a ledger that cannot be read fails closed for a hard budget, saying so', async () => {
    const { runtime, limits, ledger: l } = await setup(1);
    try {
      l.fail.on = true;
      const err = await limits.admit(ctx(), input).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'GW_LIMITS_UNAVAILABLE', status: 503 });
      expect((err as Error).message).toContain('could not be read from the ledger (database is locked)');
      l.fail.on = false;
      await expect(limits.admit(ctx(), { ...input, inputTokensBound: () => 50, requestedMaxOutput: 10 })).resolves.toBeUndefined(); // 50 + 40 fits in the 100 left
    } finally {
      await runtime.close();
      await limits.close();
    }
  });
});

describe('reclaiming reservations of stopped processes', () => {
  it('reclaims only after a whole TTL of reaching the store (at start and after an outage)', async () => {
    let now = 0;
    let down = false;
    const calls: Array<{ at: number; reclaim: boolean | undefined }> = [];
    const counters = {
      ...createMemoryCounterStore({ owner: 'p' }),
      async heartbeat(at: number, _ttl: number, opts?: { reclaim?: boolean }) {
        if (down) throw new Error('Redis at 127.0.0.1:6379 is unreachable');
        calls.push({ at, reclaim: opts?.reclaim });
        return { reclaimed: 0 };
      },
    };
    const clockAt = { now: () => now, monotonic: () => now };
    const runtime = await startLimitsRuntime({ counters, ledger: ledger(0).store, clock: clockAt, logger: silentLogger, livenessTtlMs: 1_000, current: () => undefined });
    const beat = () => new Promise((r) => setTimeout(r, 360)); // the runtime beats every ttl/3 (min 250 ms)
    try {
      now = 500;
      await beat();
      now = 1_200;
      await beat();
      down = true;
      now = 1_500;
      await beat();
      down = false;
      now = 2_000;
      await beat();
      now = 3_100;
      await beat();
      const at = (t: number) => calls.find((c) => c.at === t)?.reclaim;
      expect([at(0), at(500), at(1_200), at(2_000), at(3_100)]).toEqual([false, false, true, false, true]);
    } finally {
      await runtime.close();
    }
  });
});
