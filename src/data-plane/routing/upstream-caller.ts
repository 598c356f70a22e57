import type { CancelSignal } from '../../kernel/cancellation.js';
import type { Clock } from '../../kernel/clock.js';
import { GatewayError, isGatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from '../../kernel/wire/openai.js';
import type { ChatChunkStream } from '../../providers/contract.js';
import type { TelemetryChannels, UpstreamAttemptMessage } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import { applyOutputCap } from '../limits/chat-input.js';
import { providerContext } from '../routes/route.js';
import type { CompiledDeployment, CompiledModel, RuntimeSnapshot } from '../snapshot.js';
import { abortableSleep, backoffDelay } from './backoff.js';
import type { AttemptOutcome, DeploymentHealth } from './deployment-health.js';
import { classifyFailure, type Failure, isContentFiltered, mayFailOver } from './failure-class.js';
import { createRetryBudget, type RetryBudget } from './retry-budget.js';
import { chatNeeds, embeddingNeeds, orderDeployments, type RequestNeeds } from './strategies.js';
import { openFirstChunk, type PendingStream } from './first-chunk.js';

/**
 * Calls the upstream for a request whose model is resolved (ctx.model): picks deployments by the
 * model's strategy, retries and fails over, and records on the context the deployment that served
 * (ctx.deployment), the fallback model if one served (ctx.servedModel) and the calls made
 * (ctx.attempts). Throws the last upstream error, or GW_NO_HEALTHY_DEPLOYMENT when every deployment
 * is down.
 */
export interface UpstreamCaller {
  /** `outputCap`: max output tokens the budget grant pays for (undefined: no cap), set per deployment's parameter name. */
  chat(ctx: RequestContext, request: ChatCompletionRequest, outputCap: number | undefined): Promise<ChatCompletion>;
  /** Resolves once the first chunk arrived (a stream fails over only before its first byte); iterating yields it first. */
  chatStream(ctx: RequestContext, request: ChatCompletionRequest, outputCap: number | undefined): Promise<ChatChunkStream>;
  embeddings(ctx: RequestContext, request: EmbeddingRequest): Promise<EmbeddingResponse>;
}

export interface UpstreamCallerDeps {
  readonly health: DeploymentHealth;
  readonly clock: Clock;
  readonly channels: Pick<TelemetryChannels, 'upstreamAttempt'>;
  /** Backoff waits (tests inject one that records and resolves at once). */
  readonly sleep?: (ms: number, signal: CancelSignal) => Promise<void>;
  /** Uniform in [0, 1): weighted picks and jitter (tests fix the seed). */
  readonly rng?: () => number;
  readonly retryBudget?: RetryBudget;
}

/** One call's result before the loop decides to serve it. */
interface Attempted<T> {
  readonly value: T;
  /** Time to the first chunk (streams). */
  readonly ttftMs: number | undefined;
  /** The provider's content filter refused to answer (fails over when fallbackOn has content_filter). */
  readonly filtered: boolean;
}

/** What differs between chat, stream and embeddings calls; the attempt loop is shared. */
interface CallSpec<T, R> {
  readonly stream: boolean;
  readonly needs: () => RequestNeeds;
  run(d: CompiledDeployment): Promise<Attempted<T>>;
  /** Hands the value out; `release` frees the deployment's in-flight slot once the value is used up. */
  finish(value: T, release: () => void): R;
  /** Closes a value that is not served (a content-filtered stream). */
  discard(value: T): void;
}

type Step<R> = { readonly served: R } | undefined;

export function createUpstreamCaller(deps: UpstreamCallerDeps): UpstreamCaller {
  const { health, clock, channels } = deps;
  const sleep = deps.sleep ?? abortableSleep;
  const rng = deps.rng ?? Math.random;
  const budget = deps.retryBudget ?? createRetryBudget(clock);

  function publish(message: UpstreamAttemptMessage): void {
    if (channels.upstreamAttempt.hasSubscribers) channels.upstreamAttempt.publish(message);
  }

  async function serve<T, R>(ctx: RequestContext, spec: CallSpec<T, R>): Promise<R> {
    const primary = ctx.model;
    if (!primary) throw new Error('the upstream caller needs a resolved model');
    health.retain(ctx.snapshot);
    const signal = ctx.abort.signal;
    const { fallbackOn } = primary.routing;
    const stickyKey = primary.routing.sticky === 'run' ? ctx.attribution?.run : primary.routing.sticky === 'key' ? ctx.principal?.keyId : undefined;
    const models = [primary, ...fallbackModels(ctx.snapshot, primary)];
    let lastError: unknown;
    let failed = false;
    /** The last content-filtered answer: served if nothing better comes. */
    let filtered: { value: T; model: CompiledModel; deployment: CompiledDeployment } | undefined;

    const serveFiltered = (): R | undefined => {
      if (!filtered) return undefined;
      ctx.deployment = filtered.deployment;
      ctx.servedModel = filtered.model === primary ? undefined : filtered.model;
      return spec.finish(filtered.value, () => {});
    };
    const giveUp = (err: unknown): R => {
      if (!signal.aborted) {
        const kept = serveFiltered();
        if (kept !== undefined) return kept;
      } else if (filtered) spec.discard(filtered.value);
      throw err;
    };

    /** Calls one deployment, retrying it while allowed; undefined: move on to the next one. */
    async function tryDeployment(model: CompiledModel, d: CompiledDeployment): Promise<Step<R>> {
      const { retry } = model.routing;
      for (let retries = 0; ; retries++) {
        if (signal.aborted) return { served: giveUp(signal.reason) };
        const ticket = health.begin(model.name, d.target.id, model.routing.breaker);
        if (!ticket) return undefined; // its breaker opened meanwhile
        const kind = ctx.attempts === 0 ? 'first' : retries > 0 ? 'retry' : 'failover';
        ctx.attempts++;
        ctx.deployment = d;
        ctx.servedModel = model === primary ? undefined : model;
        const started = clock.monotonic();
        let result: Attempted<T>;
        try {
          result = await spec.run(d);
        } catch (err) {
          const latencyMs = clock.monotonic() - started;
          const failure = classifyFailure(err, signal.aborted);
          const code = isGatewayError(err) ? err.code : undefined;
          ticket.end(outcomeOf(failure, err, signal.aborted));
          publish({ model: model.name, deployment: d.target.id, kind, ok: false, code, latencyMs });
          lastError = err;
          failed = true;
          if (failure.action === 'fatal') return { served: giveUp(err) };
          if (failure.action === 'retry' && retries < retry.attempts) {
            const wait = backoffDelay(retries + 1, retry, isGatewayError(err) ? err.retryAfter : undefined, rng);
            // Only same-deployment retries spend the budget: failover is bounded by the deployments.
            if (wait !== undefined && budget.tryWithdraw(model.name, retry.budgetRatio, retry.minPerSecond)) {
              try {
                await sleep(wait, signal);
              } catch (aborted) {
                return { served: giveUp(aborted) };
              }
              continue;
            }
          }
          if (!mayFailOver(failure.reason, fallbackOn)) return { served: giveUp(err) };
          return undefined;
        }
        const latencyMs = clock.monotonic() - started;
        if (result.filtered && fallbackOn.contentFilter) {
          ticket.end({ kind: 'answered' });
          publish({ model: model.name, deployment: d.target.id, kind, ok: false, code: undefined, latencyMs });
          if (filtered) spec.discard(filtered.value);
          filtered = { value: result.value, model, deployment: d };
          return undefined;
        }
        ticket.record({ kind: 'success', latencyMs, ttftMs: result.ttftMs });
        publish({ model: model.name, deployment: d.target.id, kind, ok: true, code: undefined, latencyMs });
        if (filtered) spec.discard(filtered.value);
        return { served: spec.finish(result.value, ticket.release) };
      }
    }

    for (const model of models) {
      budget.deposit(model.name);
      const ordered = orderDeployments({ model, stream: spec.stream, needs: spec.needs, stickyKey, health, rng });
      // Every breaker of the model is open: its whenAllDown policy decides (fallback models, or 503 now).
      if (ordered.length === 0 && model === primary && primary.routing.whenAllDown !== 'fallback') break;
      for (const d of ordered) {
        const step = await tryDeployment(model, d);
        if (step) return step.served;
      }
    }
    if (failed) return giveUp(lastError);
    return giveUp(noHealthyDeployment(primary, models));
  }

  /** GW_NO_HEALTHY_DEPLOYMENT with retry-after: when the first open breaker lets a probe through (≥ 1 s). */
  function noHealthyDeployment(primary: CompiledModel, models: readonly CompiledModel[]): GatewayError {
    let retryAt: number | undefined;
    for (const m of models) {
      const at = health.retryAt(
        m.name,
        m.deployments.map((d) => d.target.id),
      );
      if (at !== undefined && (retryAt === undefined || at < retryAt)) retryAt = at;
    }
    const seconds = retryAt === undefined ? 1 : Math.max(1, Math.ceil((retryAt - clock.now()) / 1000));
    const others = models.length > 1 ? ' and of its fallback models' : '';
    return new GatewayError(
      'GW_NO_HEALTHY_DEPLOYMENT',
      `Every deployment of model '${primary.name}'${others} is down (circuit breakers open). Retry after ${seconds} s.`,
      { retryAfter: seconds },
    );
  }

  /**
   * The request as this deployment gets it: the output cap in the parameter its upstream model reads,
   * at most the deployment's own output limit (the grant is sized for the largest limit of the model's
   * deployments and fallbacks; a smaller upstream refuses a larger max_tokens with a 400).
   */
  function forDeployment(request: ChatCompletionRequest, cap: number | undefined, d: CompiledDeployment): ChatCompletionRequest {
    if (cap === undefined) return request;
    const copy = { ...request };
    applyOutputCap(copy, Math.min(cap, d.limits.maxOutputTokens), d.target.upstreamModel);
    return copy;
  }

  return {
    chat(ctx, request, cap) {
      return serve<ChatCompletion, ChatCompletion>(ctx, {
        stream: false,
        needs: () => chatNeeds(request),
        async run(d) {
          const completion = await d.provider.chat(forDeployment(request, cap, d), providerContext(ctx));
          return { value: completion, ttftMs: undefined, filtered: isContentFiltered(completion) };
        },
        finish(completion, release) {
          release();
          return completion;
        },
        discard() {},
      });
    },

    chatStream(ctx, request, cap) {
      return serve<PendingStream, AsyncIterable<ChatCompletionChunk>>(ctx, {
        stream: true,
        needs: () => chatNeeds(request),
        async run(d) {
          const started = clock.monotonic();
          const pending = await openFirstChunk(await d.provider.chatStream(forDeployment(request, cap, d), providerContext(ctx)));
          return { value: pending, ttftMs: clock.monotonic() - started, filtered: pending.filtered };
        },
        finish: (pending, release) => pending.chunks(release),
        discard: (pending) => pending.close(),
      });
    },

    embeddings(ctx, request) {
      return serve<EmbeddingResponse, EmbeddingResponse>(ctx, {
        stream: false,
        needs: () => embeddingNeeds(request),
        async run(d) {
          return { value: await d.provider.embeddings(request, providerContext(ctx)), ttftMs: undefined, filtered: false };
        },
        finish(response, release) {
          release();
          return response;
        },
        discard() {},
      });
    },
  };
}

/** The model's fallback models that exist in the snapshot and serve the same kind of request. */
function fallbackModels(snapshot: RuntimeSnapshot, primary: CompiledModel): CompiledModel[] {
  const out: CompiledModel[] = [];
  for (const name of primary.routing.fallbacks) {
    const m = snapshot.models.get(name);
    if (m && m.type === primary.type && m !== primary && !out.includes(m)) out.push(m);
  }
  return out;
}

/** How a failed call counts for the deployment's breaker. */
function outcomeOf(failure: Failure, err: unknown, aborted: boolean): AttemptOutcome {
  if (aborted) return { kind: 'abandoned' };
  if (failure.unhealthy) return { kind: 'failure', code: isGatewayError(err) ? err.code : 'GW_INTERNAL' };
  // Refused by the upstream (a 400, a context window, a filter): it is up. A Gantry bug says nothing.
  return isGatewayError(err) && err.code === 'GW_UPSTREAM_REJECTED' ? { kind: 'answered' } : { kind: 'abandoned' };
}
