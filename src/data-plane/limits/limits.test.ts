import { describe, expect, it } from 'vitest';
import type { Clock } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { silentLogger } from '../../kernel/logger.js';
import type { UsageEvent } from '../../kernel/types.js';
import { createMemoryCounterStore } from '../../storage/memory/counter-store.js';
import type { CounterStore } from '../../storage/ports/counter-store.js';
import { type AlertMessage, telemetryChannels } from '../../telemetry/channels.js';
import { newRequestContext, type RequestContext } from '../context.js';
import type { CompiledBudget, CompiledModel, CompiledRateLimit, RuntimeSnapshot } from '../snapshot.js';
import { type AdmitInput, createLimits } from './limits.js';
import { budgetCounterKey } from './plan.js';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const clock: Clock = { now: () => NOW, monotonic: () => 0 };
const MODEL: CompiledModel = compiledModel({
  name: 'm',
  type: 'chat',
  deployments: [],
  pricing: { free: false, version: 'test', prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 4_000_000, perRequest: 0 } },
  limits: { maxOutputTokens: 100, contextWindow: undefined },
});

const budget = (over: Partial<CompiledBudget> = {}): CompiledBudget => ({
  name: 'team-a-monthly',
  scope: { team: 'team-a' },
  perRun: false,
  window: 'monthly',
  limitMicros: 1_000,
  hard: true,
  alerts: [50, 100],
  failClosed: true,
  ...over,
});
const rateLimit = (over: Partial<CompiledRateLimit> = {}): CompiledRateLimit => ({
  name: 'team-a-rpm',
  scope: { team: 'team-a' },
  per: undefined,
  requestsPerMinute: 2,
  tokensPerMinute: undefined,
  concurrent: undefined,
  failClosed: false,
  ...over,
});

function snapshot(budgets: CompiledBudget[], rateLimits: CompiledRateLimit[] = []): RuntimeSnapshot {
  return testSnapshot({ models: new Map([['m', MODEL]]), budgets, rateLimits });
}

let seq = 0;
function ctx(snap: RuntimeSnapshot, team = 'team-a', run?: string): RequestContext {
  return {
    ...newRequestContext({ requestId: `req_${++seq}`, endpoint: 'chat.completions', startedAt: NOW, startMono: 0, headers: {}, snapshot: snap }),
    principal: { keyId: 'k1', keyName: 'key-a', team },
    attribution: { agent: undefined, workflow: undefined, run, tags: {} },
    requestedModel: 'm',
    model: MODEL,
  };
}

const input = (inputTokens: number, max: number | undefined): AdmitInput => ({ inputTokensBound: () => inputTokens, requestedMaxOutput: max, hasOutput: true });
const event = (c: RequestContext, costMicros: number): UsageEvent => ({ requestId: c.requestId, costMicros, inputTokens: 10, outputTokens: 10 }) as UsageEvent;
const KEY = budgetCounterKey(budget(), '2026-11');
const settled = (counters: CounterStore) => new Promise((r) => setTimeout(r, 5)).then(() => counters.levels([KEY]));

function setup(_snap: RuntimeSnapshot, counters: CounterStore = createMemoryCounterStore({ owner: 'p1' })) {
  const channels = telemetryChannels();
  const limits = createLimits({ counters, clock, channels, logger: silentLogger });
  return { limits, counters, channels };
}

describe('budget reservations', () => {
  it('reserves the worst case, settles to the actual cost, and releases the rest', async () => {
    const { limits, counters } = setup(snapshot([budget()]));
    await counters.heartbeat(NOW, 60_000);
    const c = ctx(snapshot([budget()]));
    expect(await limits.admit(c, input(100, 50))).toBeUndefined(); // explicit max_tokens within the model limit: unchanged
    expect((await counters.levels([KEY])).get(KEY)).toEqual({ committedMicros: 0, reservedMicros: 300 });
    limits.settle(c, event(c, 120));
    expect((await settled(counters)).get(KEY)).toEqual({ committedMicros: 120, reservedMicros: 0 });
    await limits.close();
  });

  it('refuses with GW_BUDGET_EXHAUSTED naming the budget when the worst case does not fit', async () => {
    const snap = snapshot([budget({ limitMicros: 250 })]);
    const { limits } = setup(snap);
    const err = await limits.admit(ctx(snap), input(100, 50)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'GW_BUDGET_EXHAUSTED', status: 429, type: 'insufficient_quota' });
    expect((err as Error).message).toContain('"team-a-monthly"');
    await limits.close();
  });

  it('caps max_tokens to what the budget pays for when the request set none', async () => {
    const snap = snapshot([budget({ limitMicros: 300 })]);
    const { limits } = setup(snap);
    // 100 input tokens cost 100 micros; 200 left buys 50 output tokens at $4/1M.
    expect(await limits.admit(ctx(snap), input(100, undefined))).toBe(50);
    // Without a budget pinch the cap is the model's limit (the reservation must cover the answer).
    const wide = snapshot([budget({ limitMicros: 1_000_000 })]);
    expect(await setup(wide).limits.admit(ctx(wide), input(100, undefined))).toBe(100);
  });

  it('reserves the output of every choice when the request asks for n > 1, and caps each choice', async () => {
    const { limits, counters } = setup(snapshot([budget()]));
    const c = ctx(snapshot([budget()]));
    // 100 input tokens (100 micros) + 3 choices × 50 output tokens × $4/1M = 700 micros.
    await limits.admit(c, { ...input(100, 50), choices: 3 });
    expect((await counters.levels([KEY])).get(KEY)?.reservedMicros).toBe(700);
    const snap = snapshot([budget({ limitMicros: 700 })]);
    const capped = setup(snap);
    // No max_tokens: 600 micros left after the input pay for 150 output tokens, 50 per choice.
    expect(await capped.limits.admit(ctx(snap), { ...input(100, undefined), choices: 3 })).toBe(50);
    // Three choices of 16 tokens do not fit in 200 micros: refused rather than overspent.
    const tight = snapshot([budget({ limitMicros: 250 })]);
    await expect(setup(tight).limits.admit(ctx(tight), { ...input(100, undefined), choices: 3 })).rejects.toMatchObject({ code: 'GW_BUDGET_EXHAUSTED' });
  });

  it('counts the prompt with the tokenizer before refusing on the byte bound', async () => {
    const snap = snapshot([budget({ limitMicros: 400 })]);
    const { limits } = setup(snap);
    const c = ctx(snap);
    await expect(limits.admit(c, { ...input(1_000, 50), exactInputTokens: async () => 150 })).resolves.toBeUndefined();
    expect(c.admission?.grantedMicros).toBe(350);
  });

  it('never lets concurrent requests overspend, and soft budgets never refuse', async () => {
    const snap = snapshot([budget({ limitMicros: 1_000 }), budget({ name: 'org-soft', scope: {}, hard: false, limitMicros: 10, failClosed: false })]);
    const { limits, counters } = setup(snap);
    const ctxs = Array.from({ length: 20 }, () => ctx(snap));
    const results = await Promise.allSettled(ctxs.map((c) => limits.admit(c, input(100, 50))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3); // 3 × 300 ≤ 1,000
    for (const c of ctxs) if (c.admission) limits.settle(c, event(c, 300));
    const level = (await settled(counters)).get(KEY);
    expect(level).toEqual({ committedMicros: 900, reservedMicros: 0 });
  });

  it('per-run budgets count each run on its own and ignore requests without a run', async () => {
    const snap = snapshot([budget({ name: 'per-run', perRun: true, limitMicros: 300 })]);
    const { limits } = setup(snap);
    await limits.admit(ctx(snap, 'team-a', 'r1'), input(100, 50));
    await expect(limits.admit(ctx(snap, 'team-a', 'r1'), input(100, 50))).rejects.toMatchObject({ code: 'GW_BUDGET_EXHAUSTED' });
    await expect(limits.admit(ctx(snap, 'team-a', 'r2'), input(100, 50))).resolves.toBeUndefined();
    const c = ctx(snap, 'team-a');
    await limits.admit(c, input(100, 50));
    expect(c.admission).toBeUndefined();
  });

  it('publishes one alert per threshold crossed', async () => {
    const snap = snapshot([budget({ limitMicros: 1_000, alerts: [50, 100] })]);
    const { limits, channels } = setup(snap);
    const alerts: AlertMessage[] = [];
    const onAlert = (m: unknown) => alerts.push(m as AlertMessage);
    channels.alert.subscribe(onAlert);
    try {
      for (const cost of [300, 300, 100]) {
        const c = ctx(snap);
        await limits.admit(c, input(10, 10));
        limits.settle(c, event(c, cost));
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(alerts.map((a) => [a.subject, a.thresholdPercent, a.spentMicros])).toEqual([['team-a-monthly', 50, 600]]);
    } finally {
      channels.alert.unsubscribe(onAlert);
    }
  });
});

describe('budget counter keys', () => {
  it('a budget whose scope is edited gets a new counter (seeded for the new scope), not the old scope\'s spend', () => {
    const before = budgetCounterKey(budget(), '2026-11');
    expect(before.startsWith('budget:team-a-monthly:2026-11:')).toBe(true);
    expect(budgetCounterKey(budget({ limitMicros: 5, alerts: [], hard: false }), '2026-11')).toBe(before); // limits and alerts: same counter
    expect(budgetCounterKey(budget({ scope: {} }), '2026-11')).not.toBe(before);
    expect(budgetCounterKey(budget({ scope: { team: 'team-a', tags: { repo: 'web' } } }), '2026-11')).not.toBe(before);
    expect(budgetCounterKey(budget({ scope: { team: 'team-a', tags: { a: '1', b: '2' } } }), '2026-11')).toBe(budgetCounterKey(budget({ scope: { team: 'team-a', tags: { b: '2', a: '1' } } }), '2026-11'));
  });

  it('threshold alerts keep the readable id budget:<name>:<window>:<percent>', async () => {
    const snap = snapshot([budget({ limitMicros: 1_000, alerts: [50] })]);
    const { limits, channels } = setup(snap);
    const alerts: AlertMessage[] = [];
    const onAlert = (m: unknown) => alerts.push(m as AlertMessage);
    channels.alert.subscribe(onAlert);
    try {
      const c = ctx(snap);
      await limits.admit(c, input(10, 10));
      limits.settle(c, event(c, 600));
      await new Promise((r) => setTimeout(r, 5));
      expect(alerts.map((a) => a.id)).toEqual(['budget:team-a-monthly:2026-11:50']);
    } finally {
      channels.alert.unsubscribe(onAlert);
    }
  });
});

describe('rate limits', () => {
  it('answers 429 GW_RATE_LIMITED with retry-after and x-ratelimit headers', async () => {
    const snap = snapshot([], [rateLimit()]);
    const { limits } = setup(snap);
    const first = ctx(snap);
    await limits.admit(first, input(10, 10));
    expect(first.limitHeaders).toMatchObject({ 'x-ratelimit-limit-requests': '2', 'x-ratelimit-remaining-requests': '1' });
    await limits.admit(ctx(snap), input(10, 10));
    const third = ctx(snap);
    const err = (await limits.admit(third, input(10, 10)).catch((e: unknown) => e)) as GatewayError;
    expect(err).toMatchObject({ code: 'GW_RATE_LIMITED', status: 429 });
    expect(err.retryAfter).toBeGreaterThanOrEqual(1);
    expect(err.message).toContain('"team-a-rpm" allows 2 requests per minute');
    expect(third.limitHeaders?.['x-ratelimit-remaining-requests']).toBe('0');
    // Another team is not limited.
    await expect(limits.admit(ctx(snap, 'team-b'), input(10, 10))).resolves.toBeUndefined();
  });

  it('limits concurrent requests and frees the slot when a request ends', async () => {
    const snap = snapshot([], [rateLimit({ requestsPerMinute: undefined, concurrent: 1 })]);
    const { limits } = setup(snap);
    const a = ctx(snap);
    await limits.admit(a, input(10, 10));
    await expect(limits.admit(ctx(snap), input(10, 10))).rejects.toMatchObject({ code: 'GW_RATE_LIMITED' });
    limits.settle(a, event(a, 0));
    await new Promise((r) => setTimeout(r, 5));
    await expect(limits.admit(ctx(snap), input(10, 10))).resolves.toBeUndefined();
  });
});

describe('counter store failures', () => {
  const broken = (): CounterStore => ({
    ...createMemoryCounterStore({ owner: 'x' }),
    kind: 'redis',
    admit: async () => {
      throw new Error('Redis at 127.0.0.1:6379 is unreachable');
    },
  });

  it('fails closed for hard budgets with GW_LIMITS_UNAVAILABLE saying why', async () => {
    const snap = snapshot([budget()]);
    const { limits } = setup(snap, broken());
    const err = (await limits.admit(ctx(snap), input(10, 10)).catch((e: unknown) => e)) as GatewayError;
    expect(err.code).toBe('GW_LIMITS_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(err.message).toContain('redis counter store failed (Redis at 127.0.0.1:6379 is unreachable)');
  });

  it('fails open for rate limits that say so (the request is served untracked)', async () => {
    const snap = snapshot([], [rateLimit({ failClosed: false })]);
    const { limits } = setup(snap, broken());
    const c = ctx(snap);
    await expect(limits.admit(c, input(10, 10))).resolves.toBeUndefined();
    expect(c.admission).toBeUndefined();
  });
});
