import type { Clock } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Logger } from '../../kernel/logger.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { UsageEvent } from '../../kernel/types.js';
import type { AdmitResult, BudgetLevel, CompleteRequest, CounterStore } from '../../storage/ports/counter-store.js';
import type { AlertMessage, LimitRefusedMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { RuntimeSnapshot } from '../snapshot.js';
import type { Admission } from './admission.js';
import { rateLimitHeaders } from './headers.js';
import { type LimitPlan, type PlannedHold, planLimits } from './plan.js';

export type { Admission };
import { requestFacts } from './scope.js';
import { affordableOutputTokens, MIN_CAPPED_OUTPUT_TOKENS, worstCaseMicros } from './worst-case.js';

/** What admission needs to know about a request's size. */
export interface AdmitInput {
  /** A cheap upper bound of the input tokens (UTF-8 bytes of the prompt: a token is at least a byte). */
  readonly inputTokensBound: () => number;
  /** A closer count (tokenizer), computed only when a budget refuses the bound. */
  readonly exactInputTokens?: () => Promise<number>;
  /** The client's max_tokens; undefined when it set none (then Gantry caps it). */
  readonly requestedMaxOutput: number | undefined;
  /** Completions generated (OpenAI `n`, default 1): each is billed up to the output limit. */
  readonly choices?: number;
  /** False for embeddings (no output tokens). */
  readonly hasOutput: boolean;
}

export interface Limits {
  /**
   * Checks rate limits and reserves the worst-case cost against every budget in scope, atomically.
   * Returns the max_tokens to send upstream when Gantry must cap it (budgets in scope, none asked).
   */
  admit(ctx: RequestContext, input: AdmitInput): Promise<number | undefined>;
  /** Settles the reservation to the request's actual cost (never throws; retried in the background). */
  settle(ctx: RequestContext, event: UsageEvent): void;
  /** Settlements waiting for the counter store to come back. */
  pendingSettlements(): number;
  /** Stops the retry timer after one last attempt. */
  close(): Promise<void>;
}

/**
 * Starts a budget counter that does not exist yet (a new budget or window, a counter store that lost
 * its data) from the ledger's spend in its window; rejects when the ledger cannot be read.
 */
export type SeedBudgetCounter = (hold: PlannedHold, snapshot: RuntimeSnapshot) => Promise<void>;

export interface LimitsDeps {
  readonly counters: CounterStore;
  /**
   * When given, budget counters are only ever started from the ledger: a request never starts one at
   * 0 (which would forget the spend already in the window). Without it (tests), they start at 0.
   */
  readonly seed?: SeedBudgetCounter;
  readonly clock: Clock;
  readonly channels: TelemetryChannels;
  readonly logger: Logger;
  /** How often failed settlements are retried (ms). */
  readonly retryMs?: number;
}

const MINUTE = 60_000;

interface Settlement {
  readonly req: CompleteRequest;
  readonly holds: readonly PlannedHold[];
}

/** The ledger could not be read to start a budget counter (the fail mode applies, as for a store outage). */
class SeedFailure extends Error {}

export function createLimits(deps: LimitsDeps): Limits {
  const { counters, clock, channels, logger } = deps;
  /** Settlements waiting for the counter store, with the holds whose alert thresholds they may cross. */
  let pending: Settlement[] = [];
  let lastOpenWarning = 0;
  const retry = setInterval(() => void retryPending(), deps.retryMs ?? 1_000);
  retry.unref();

  function refused(kind: LimitRefusedMessage['kind'], name: string): void {
    if (channels.limitRefused.hasSubscribers) channels.limitRefused.publish({ kind, name } satisfies LimitRefusedMessage);
  }

  /** The refusal names the budget and says whether waiting helps (money held by requests in flight) or not. */
  async function budgetError(plan: LimitPlan, r: Extract<AdmitResult, { reason: 'budget' }>, needMicros: number, askedMax: boolean): Promise<GatewayError> {
    const h = plan.holds.find((x) => x.hold.key === r.key);
    const name = h?.budget.name ?? r.key;
    refused('budget', name);
    const level = await counters.levels([r.key]).then((m) => m.get(r.key), () => undefined);
    const usd = (m: number) => `$${formatMicrosAsUsd(m)}`;
    const where = h ? ` (${h.budget.window}${h.budget.window === 'total' ? '' : ` ${h.windowId}`})` : '';
    const state = level && h ? `${usd(level.committedMicros)} of ${usd(h.budget.limitMicros)} spent, ${usd(level.reservedMicros)} held by requests in flight` : `${usd(r.availableMicros)} left`;
    const inFlight = (level?.reservedMicros ?? 0) > 0;
    const advice = [inFlight ? 'retry when requests in flight finish' : undefined, askedMax ? 'ask for a lower max_tokens' : undefined].filter(Boolean).join(', or ');
    const resets = h && h.budget.window !== 'total' ? ` The budget resets at ${new Date(h.windowEnd).toISOString()}.` : '';
    return new GatewayError(
      'GW_BUDGET_EXHAUSTED',
      `Budget "${name}"${where}: ${state}; this request needs up to ${usd(needMicros)}.${advice ? ` You can ${advice}.` : ''}${resets}`,
      inFlight ? { retryAfter: 1 } : {},
    );
  }

  function rateError(plan: LimitPlan, r: Extract<AdmitResult, { reason: 'rate' | 'concurrency' }>): GatewayError {
    const rl = plan.owners.get(r.key);
    const name = rl?.name ?? r.key;
    refused(r.reason, name);
    const per = rl?.per ? ` per ${rl.per}` : '';
    if (r.reason === 'concurrency') {
      return new GatewayError('GW_RATE_LIMITED', `Rate limit "${name}" allows ${r.limit} concurrent requests${per}; retry when one finishes.`, { retryAfter: 1 });
    }
    const what = r.key.endsWith(':tpm') ? 'tokens' : 'requests';
    const secs = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    return new GatewayError('GW_RATE_LIMITED', `Rate limit "${name}" allows ${r.limit} ${what} per minute${per}; retry in ${secs} s.`, { retryAfter: secs });
  }

  async function retryPending(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    for (const settlement of batch) {
      try {
        await complete(settlement);
      } catch {
        pending.push(settlement);
      }
    }
  }

  async function complete({ req, holds }: Settlement): Promise<void> {
    const levels = await counters.complete(req);
    if (holds.length > 0) await thresholds(holds, levels, req.actualMicros, req.now);
  }

  /** One alert per threshold crossing: the completion that crossed it sees before < t ≤ after. */
  async function thresholds(holds: readonly PlannedHold[], levels: Map<string, BudgetLevel>, actual: number, now: number): Promise<void> {
    if (actual <= 0) return;
    for (const { budget, hold, windowId, label } of holds) {
      const after = levels.get(hold.key)?.committedMicros;
      if (after === undefined) continue;
      for (const t of budget.alerts) {
        const line = budget.limitMicros * t;
        if (after * 100 < line || (after - actual) * 100 >= line) continue;
        if (!(await counters.claimOnce(`alert:${hold.key}:${t}`, now, hold.expiresAt - now))) continue;
        const message: AlertMessage = {
          type: 'budget_threshold',
          id: `${label}:${t}`,
          at: now,
          subject: budget.name,
          window: windowId,
          thresholdPercent: t,
          spentMicros: after,
          referenceMicros: budget.limitMicros,
          enforcement: budget.hard ? 'hard' : 'soft',
          summary: `Budget "${budget.name}" (${budget.hard ? 'hard' : 'soft'}, ${budget.window} ${windowId}) reached ${t}% of $${formatMicrosAsUsd(budget.limitMicros)}: $${formatMicrosAsUsd(after)} spent.`,
        };
        if (channels.alert.hasSubscribers) channels.alert.publish(message);
      }
    }
  }

  return {
    async admit(ctx, input) {
      const principal = ctx.principal;
      const model = ctx.model;
      if (!principal || !model) return undefined;
      const now = clock.now();
      const plan = planLimits(ctx.snapshot, requestFacts(principal, ctx.attribution, model.name), now, deps.seed !== undefined);
      if (!plan) return undefined;

      // The dearest deployment or fallback the request may end up on: a failover never overruns the hold.
      const prices = model.worstPrices;
      const paid = prices !== undefined && plan.holds.length > 0;
      // Output limit per choice; n choices are each billed up to it.
      const maxOut = input.hasOutput ? Math.min(input.requestedMaxOutput ?? model.limits.maxOutputTokens, model.limits.maxOutputTokens) : 0;
      const choices = Math.max(1, input.choices ?? 1);
      const span = (inputTokens: number) => {
        if (!paid) return { min: 0, max: 0 };
        const max = worstCaseMicros(prices, inputTokens, maxOut * choices);
        const min = input.requestedMaxOutput !== undefined ? max : worstCaseMicros(prices, inputTokens, Math.min(MIN_CAPPED_OUTPUT_TOKENS, maxOut) * choices);
        return { min, max };
      };
      const attempt = async (inputTokens: number): Promise<Exclude<AdmitResult, { reason: 'unseeded' }>> => {
        const { min, max } = span(inputTokens);
        const req = { id: ctx.requestId, now, rates: plan.rates, slots: plan.slots, holds: plan.holds.map((h) => h.hold), minMicros: min, maxMicros: max };
        // A counter that does not exist yet is started from the ledger first (each hold at most once).
        for (let seeded = 0; ; seeded++) {
          const r = await counters.admit(req);
          if (r.ok || r.reason !== 'unseeded') return r;
          const h = plan.holds.find((x) => x.hold.key === r.key);
          if (!deps.seed || !h || seeded >= plan.holds.length) throw new SeedFailure(`the counter ${r.key} could not be started from the ledger`);
          await deps.seed(h, ctx.snapshot).catch((err: unknown) => {
            throw new SeedFailure(`the spend of budget "${h.budget.name}" could not be read from the ledger (${err instanceof Error ? err.message : String(err)})`);
          });
        }
      };

      let inputTokens = input.inputTokensBound();
      let result: Exclude<AdmitResult, { reason: 'unseeded' }>;
      try {
        result = await attempt(inputTokens);
        // The byte bound is generous; before refusing, count the prompt properly and try once more.
        if (!result.ok && result.reason === 'budget' && input.exactInputTokens) {
          const exact = await input.exactInputTokens();
          if (exact < inputTokens) {
            inputTokens = exact;
            result = await attempt(inputTokens);
          }
        }
      } catch (err) {
        if (plan.failClosed) {
          refused('unavailable', plan.holds[0]?.budget.name ?? [...plan.owners.values()][0]?.name ?? '');
          const why = err instanceof SeedFailure ? err.message : `the ${counters.kind} counter store failed (${err instanceof Error ? err.message : String(err)})`;
          throw new GatewayError('GW_LIMITS_UNAVAILABLE', `Budgets and rate limits cannot be checked: ${why}, and a limit in scope is set to fail closed. Retry shortly.`, {
            retryAfter: 1,
          });
        }
        if (now - lastOpenWarning > 10_000) {
          lastOpenWarning = now;
          logger.warn({ err, counters: counters.kind }, 'counter store unavailable: serving without budgets and rate limits (failMode open)');
        }
        return undefined;
      }

      if (!result.ok) {
        if (result.reason === 'budget') throw await budgetError(plan, result, span(inputTokens).min, input.hasOutput && input.requestedMaxOutput !== undefined);
        ctx.limitHeaders = result.reason === 'rate' ? rateLimitHeaders(result.rates) : undefined;
        throw rateError(plan, result);
      }
      ctx.admission = { plan, grantedMicros: result.grantedMicros };
      ctx.limitHeaders = rateLimitHeaders(result.rates);
      // With a budget in scope the answer must fit the reservation: a request without max_tokens
      // is sent with the most the grant pays for (at most the model's limit).
      if (!paid || !input.hasOutput || input.requestedMaxOutput !== undefined && input.requestedMaxOutput <= maxOut) return undefined;
      return Math.floor(affordableOutputTokens(prices, inputTokens, result.grantedMicros, maxOut * choices) / choices);
    },

    settle(ctx, event) {
      const admission = ctx.admission;
      if (!admission) return;
      ctx.admission = undefined;
      const { plan, grantedMicros } = admission;
      const tokens = event.inputTokens + event.outputTokens;
      const req: CompleteRequest = {
        id: ctx.requestId,
        now: clock.now(),
        actualMicros: event.costMicros,
        holds: plan.holds.map((h) => h.hold),
        grantedMicros,
        slots: plan.slots.map((s) => s.key),
        rateAdds: plan.tokenWindows.map((key) => ({ key, windowMs: MINUTE, amount: Math.max(0, tokens - 1) })),
      };
      const settlement: Settlement = { req, holds: plan.holds };
      complete(settlement).catch((err: unknown) => {
        logger.warn({ err, requestId: ctx.requestId }, 'settling a budget reservation failed; retrying');
        pending.push(settlement);
      });
    },

    pendingSettlements: () => pending.length,

    async close() {
      clearInterval(retry);
      await retryPending();
      if (pending.length > 0) logger.error({ pending: pending.length }, 'budget settlements could not be written; their reservations are reclaimed after the liveness TTL');
    },
  };
}
