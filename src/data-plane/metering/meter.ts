import type { GatewayError } from '../../kernel/errors/index.js';
import { costMicros, type Micros } from '../../kernel/money.js';
import { isCacheHit, type UsageEvent } from '../../kernel/types.js';
import type { UsageSink } from '../../storage/ports/usage-sink.js';
import type { RequestEndMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import { guardrailEvidence } from '../guardrails/evidence.js';
import type { Clock } from '../../kernel/clock.js';

export interface Meter {
  /** Cost of the usage recorded on the context so far (0 for free models). */
  cost(ctx: RequestContext): Micros;
  /** Writes the one usage event of a request that reached a model, and publishes telemetry. */
  finish(ctx: RequestContext): UsageEvent;
  /** Publishes telemetry for a request that reached no model (refused early, or GET /v1/models). */
  unmetered(ctx: RequestContext, err: GatewayError | undefined): void;
}

export interface MeterDeps {
  readonly usageSink: UsageSink;
  readonly channels: TelemetryChannels;
  readonly clock: Clock;
}


export function createMeter({ usageSink, channels, clock }: MeterDeps): Meter {
  function cost(ctx: RequestContext): Micros {
    // A cache hit called no model for the answer: only calls made besides it (an embedding) are paid.
    if (isCacheHit(ctx.cache)) return ctx.extraCostMicros;
    return answerCost(ctx) + ctx.extraCostMicros;
  }

  /** The answer's cost at the price of the deployment that served it. */
  function answerCost(ctx: RequestContext): Micros {
    const pricing = ctx.deployment?.pricing ?? ctx.model?.pricing;
    if (!ctx.usage || !pricing || pricing.free) return 0;
    return costMicros(ctx.usage, pricing.prices);
  }

  /**
   * What was saved: a cache hit saves the cost the cached answer had; a Route's choice saves what
   * its baseline (flagship) model would have charged for the same tokens minus what was paid.
   */
  function savings(ctx: RequestContext, paid: Micros): Micros {
    if (isCacheHit(ctx.cache)) return ctx.cacheSavedMicros;
    // The baseline itself served: nothing saved, even when a dearer deployment of it answered (failover).
    if (ctx.route?.baseline && (ctx.servedModel ?? ctx.model)?.name === ctx.route.baseline.name) return 0;
    const baseline = ctx.route?.baseline?.pricing;
    if (!baseline || baseline.free || !ctx.usage) return 0;
    return costMicros(ctx.usage, baseline.prices) - (paid - ctx.extraCostMicros);
  }

  function publish(message: RequestEndMessage): void {
    if (channels.requestEnd.hasSubscribers) channels.requestEnd.publish(message);
  }

  return {
    cost,
    finish(ctx) {
      const paid = cost(ctx);
      const latencyMs = clock.monotonic() - ctx.startMono;
      const usage = ctx.usage;
      const principal = ctx.principal;
      const attribution = ctx.attribution;
      const event: UsageEvent = {
        requestId: ctx.requestId,
        ts: ctx.startedAt,
        endpoint: ctx.endpoint,
        keyId: principal?.keyId ?? 'unknown',
        team: principal?.team ?? 'unknown',
        user: principal?.user,
        agent: attribution?.agent,
        workflow: attribution?.workflow,
        run: attribution?.run,
        tags: attribution?.tags ?? {},
        model: ctx.route?.name ?? ctx.model?.name ?? 'unknown',
        route: ctx.deployment?.target.id,
        provider: ctx.deployment?.target.provider,
        stream: ctx.stream,
        inputTokens: usage?.inputTokens ?? 0,
        cachedInputTokens: usage?.cachedInputTokens ?? 0,
        cacheWriteInputTokens: usage?.cacheWriteInputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
        usageEstimated: usage?.estimated ?? false,
        costMicros: paid,
        savingsMicros: savings(ctx, paid),
        priceVersion: (ctx.deployment?.pricing ?? ctx.model?.pricing)?.version ?? 'unpriced',
        latencyMs: Math.round(latencyMs * 1000) / 1000,
        ttftMs: ctx.ttftMs === undefined ? undefined : Math.round(ctx.ttftMs * 1000) / 1000,
        status: ctx.status,
        errorCode: ctx.errorCode,
        outcome: ctx.outcome,
        upstreamStatus: ctx.upstreamStatus,
        servedModel: (ctx.servedModel ?? (ctx.route ? ctx.model : undefined))?.name,
        routeReason: ctx.route?.reason,
        cache: ctx.cache,
        attempts: ctx.attempts,
        guardrails: guardrailEvidence(ctx.guardrailHits),
        policy: policyEvidence(ctx),
      };
      usageSink.record(event);
      publish({ endpoint: ctx.endpoint, status: ctx.status, errorCode: ctx.errorCode, latencyMs, usage: event });
      return event;
    },
    unmetered(ctx, err) {
      publish({
        endpoint: ctx.endpoint,
        status: err?.status ?? ctx.status,
        errorCode: err?.code,
        latencyMs: clock.monotonic() - ctx.startMono,
        usage: undefined,
      });
    },
  };
}

/**
 * `deny:<ids>` when an enforced policy refused the request; else `grant:<names>` when Grants let it
 * through a refusal (a policy, a key's or agent's model list; a fallback model's own grant when that
 * model served); else `would_deny:<ids>` from dry-run policies on the model that served (a fallback
 * model's own entry when one did).
 */
function policyEvidence(ctx: RequestContext): string | undefined {
  if (ctx.policyDeniedBy && ctx.policyDeniedBy.length > 0) return `deny:${ctx.policyDeniedBy.join(',')}`;
  const fallbackGrant = ctx.servedModel ? ctx.grantedByModel?.get(ctx.servedModel.name) : undefined;
  const granted = fallbackGrant === undefined || ctx.grantedBy?.split(',').includes(fallbackGrant) ? ctx.grantedBy : ctx.grantedBy === undefined ? fallbackGrant : `${ctx.grantedBy},${fallbackGrant}`;
  if (granted !== undefined) return `grant:${granted}`;
  const wouldDeny = ctx.servedModel ? ctx.policyWouldDenyByModel?.get(ctx.servedModel.name) : ctx.policyWouldDeny;
  if (wouldDeny && wouldDeny.length > 0) return `would_deny:${wouldDeny.join(',')}`;
  return undefined;
}
