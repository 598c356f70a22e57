import type { ServerResponse } from 'node:http';
import { toGatewayError } from '../../kernel/errors/index.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { MeteredUsage } from '../../kernel/types.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { CachedAnswer, ResponseCache } from '../cache/response-cache.js';
import { replayChunks } from '../cache/replay.js';
import type { RequestContext } from '../context.js';
import { addUsage } from '../guardrails/add-usage.js';
import { createGuardrailPipeline, type GuardrailPipeline } from '../guardrails/index.js';
import { chatAdmitInput } from '../limits/chat-input.js';
import type { Limits } from '../limits/limits.js';
import type { Meter } from '../metering/meter.js';
import { estimateChatUsage, usageFromProvider } from '../metering/usage.js';
import type { UpstreamCaller } from '../routing/upstream-caller.js';
import { completionText, createChunkAccumulator } from '../streaming/chunk-accumulator.js';
import type { ChatOutput } from './chat-output.js';

export interface ChatServeDeps {
  readonly meter: Meter;
  readonly limits: Limits;
  readonly clock: { monotonic(): number };
  /** Deployment choice, retries, fallbacks and circuit breakers. */
  readonly caller: UpstreamCaller;
  readonly cache: ResponseCache;
  /** Guardrail resources (input before limits, output on upstream answers); defaults to one without telemetry. */
  readonly guardrails?: GuardrailPipeline;
}

/**
 * Serves a validated chat request for the resolved model, streaming or not, and records usage on
 * the context: limits (admission) → response cache → upstream (with resilience) → cache store.
 * Shared by every protocol that translates into chat (OpenAI, Anthropic, Responses).
 */
export function createChatServer({ meter, limits, clock, caller, cache, guardrails = createGuardrailPipeline() }: ChatServeDeps) {
  async function serveCached(ctx: RequestContext, request: ChatCompletionRequest, hit: CachedAnswer, res: ServerResponse, out: ChatOutput): Promise<void> {
    if (guardrails.hasOutput(ctx)) {
      // A cached answer may never have met this request's output guardrails (stored for another team in
      // a shared cache, through another Route, or before the guardrail existed): check it like a fresh
      // one, on a copy. No upstream call for jsonOutput: an invalid stored answer fails GW_OUTPUT_INVALID.
      const completion = structuredClone(hit.completion);
      hit = { ...hit, completion: await guardrails.chatOutput(ctx, request, completion, async () => completion) };
    }
    ctx.ttftMs = clock.monotonic() - ctx.startMono;
    ctx.cacheSavedMicros = hit.costMicros;
    // No deployment served this answer (x-gantry-route is left out, the event's route is empty).
    ctx.deployment = undefined;
    ctx.status = 200;
    const costUsd = formatMicrosAsUsd(meter.cost(ctx));
    // The client sees the answer's usage as first served, with Gantry's cost of this request ($0).
    const completion: ChatCompletion = { ...hit.completion, usage: withCost(hit.completion.usage, ctx, costUsd) };
    if (!ctx.stream) {
      out.complete(completion, costUsd, res, ctx);
      return;
    }
    const sink = out.startStream(res, ctx);
    for (const chunk of replayChunks(hit.completion)) {
      const pending = sink.chunk(chunk); // a slow client: wait for the socket to drain
      if (pending) await pending;
      if (ctx.abort.signal.aborted) return;
    }
    sink.finish({ id: completion.id, object: 'chat.completion.chunk', created: completion.created, model: completion.model, choices: [], usage: completion.usage });
  }

  /**
   * Every deployment is down (breakers open, or all of them failed this request) and the model serves
   * stale answers then (whenAllDown: cache). A request the upstream rejected is not "down".
   */
  async function degraded(ctx: RequestContext, request: ChatCompletionRequest, err: unknown): Promise<CachedAnswer> {
    const code = toGatewayError(err).code;
    // An interrupted answer is not "down": the upstream had the prompt and bills it (never $0).
    const down = code === 'GW_NO_HEALTHY_DEPLOYMENT' || (code.startsWith('GW_UPSTREAM_') && code !== 'GW_UPSTREAM_REJECTED' && code !== 'GW_UPSTREAM_STREAM_INTERRUPTED');
    if (!down || ctx.model?.routing.whenAllDown !== 'cache' || ctx.abort.signal.aborted) throw err;
    const stale = await cache.lookup(ctx, request, 'stale');
    if (!stale) throw err;
    return stale;
  }

  return async function serveChat(ctx: RequestContext, request: ChatCompletionRequest, res: ServerResponse, out: ChatOutput) {
    // Input guardrails first: limits, the cache key and the upstream see the redacted request.
    const checking = guardrails.chatInput(ctx, request);
    if (checking) await checking;
    const cap = await limits.admit(ctx, chatAdmitInput(request));
    const hit = await cache.lookup(ctx, request, 'fresh');
    if (hit) return serveCached(ctx, request, hit, res, out);

    if (!ctx.stream) {
      let completion: ChatCompletion;
      try {
        completion = await caller.chat(ctx, request, cap);
      } catch (err) {
        // The upstream had the prompt: a client that left (or a shutdown) mid-answer, or an answer cut
        // in transit, is billed at least for the input, which the upstream bills too (never $0).
        if (ctx.abort.signal.aborted || toGatewayError(err).code === 'GW_UPSTREAM_STREAM_INTERRUPTED') ctx.usage = await estimateChatUsage(request, '');
        return serveCached(ctx, request, await degraded(ctx, request, err), res, out);
      }
      ctx.ttftMs = clock.monotonic() - ctx.startMono;
      const usage = usageFromProvider(completion.usage);
      ctx.usage = usage ?? (await estimateChatUsage(request, completionText(completion)));
      if (guardrails.hasOutput(ctx)) {
        const first = completion;
        // A jsonOutput retry is a second upstream call: both are billed (a block after it too).
        completion = await guardrails.chatOutput(ctx, request, completion, async () => {
          const again = await caller.chat(ctx, request, cap);
          ctx.usage = addUsage(ctx.usage, usageFromProvider(again.usage) ?? (await estimateChatUsage(request, completionText(again))));
          return again;
        });
        if (completion !== first) completion.usage = undefined; // the client sees both calls' usage (ctx.usage)
      }
      const cost = meter.cost(ctx);
      const costUsd = formatMicrosAsUsd(cost);
      completion.usage = withCost(completion.usage, ctx, costUsd);
      ctx.status = 200;
      out.complete(completion, costUsd, res, ctx);
      cache.store(ctx, request, completion, cost - ctx.extraCostMicros);
      return;
    }

    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await caller.chatStream(ctx, request, cap);
    } catch (err) {
      return serveCached(ctx, request, await degraded(ctx, request, err), res, out);
    }
    const sink = out.startStream(res, ctx);
    ctx.status = 200;
    const acc = createChunkAccumulator();
    const recorder = cache.recorder(ctx, request);
    const guard = guardrails.chatStream(ctx);
    let last: ChatCompletionChunk | undefined;
    try {
      for await (const chunk of stream) {
        last = chunk;
        if (acc.add(chunk)) ctx.ttftMs = clock.monotonic() - ctx.startMono;
        // Output guardrails rewrite (or hold back) the content before it is emitted or cached.
        if (guard && !guard.chunk(chunk)) continue;
        recorder?.chunk(chunk);
        if (chunk.choices.length === 0 && chunk.usage) continue; // held back: cost is added at the end
        const pending = sink.chunk(chunk);
        if (pending) await pending;
        if (ctx.abort.signal.aborted) break;
      }
      ctx.usage = ctx.abort.signal.aborted ? await usageOfUnfinished(request, acc) : (usageFromProvider(acc.usage()) ?? (await estimateChatUsage(request, acc.deliveredText())));
      if (ctx.abort.signal.aborted) return;
      const tail = guard?.end(last, ctx.requestId, Math.floor(ctx.startedAt / 1000), request.model);
      if (tail) {
        recorder?.chunk(tail);
        const pending = sink.chunk(tail);
        if (pending) await pending;
      }
      const cost = meter.cost(ctx);
      const costUsd = formatMicrosAsUsd(cost);
      const usageChunk: ChatCompletionChunk = {
        id: last?.id ?? ctx.requestId,
        object: 'chat.completion.chunk',
        created: last?.created ?? Math.floor(ctx.startedAt / 1000),
        model: last?.model ?? request.model,
        choices: [],
        usage: withCost(acc.usage() ?? undefined, ctx, costUsd),
      };
      sink.finish(usageChunk);
      recorder?.finish(cost - ctx.extraCostMicros);
    } catch (err) {
      ctx.usage = await usageOfUnfinished(request, acc);
      if (ctx.abort.signal.aborted) return;
      const gw = toGatewayError(err);
      ctx.errorCode = gw.code;
      ctx.upstreamStatus = gw.upstreamStatus;
      ctx.outcome = gw.code === 'GW_GUARDRAIL_BLOCKED' ? 'rejected' : 'upstream_error';
      sink.fail(gw);
    }
  };
}

/**
 * Usage of a stream that did not finish (cut, failed, or left by the client). What the upstream
 * reported so far may be partial (e.g. Anthropic reports input tokens at the start): keep its input
 * count, and bill at least the output tokens that were delivered.
 */
async function usageOfUnfinished(request: ChatCompletionRequest, acc: ReturnType<typeof createChunkAccumulator>): Promise<MeteredUsage> {
  const estimated = await estimateChatUsage(request, acc.deliveredText());
  const reported = usageFromProvider(acc.usage());
  if (!reported) return estimated;
  if (reported.outputTokens >= estimated.outputTokens) return reported;
  return { ...reported, outputTokens: estimated.outputTokens, estimated: true };
}

/** Usage as reported (or estimated), plus Gantry's cost as a decimal string. */
function withCost(usage: ChatCompletion['usage'], ctx: RequestContext, costUsd: string): NonNullable<ChatCompletion['usage']> {
  const u = ctx.usage;
  const base = usage ?? {
    prompt_tokens: u?.inputTokens ?? 0,
    completion_tokens: u?.outputTokens ?? 0,
    total_tokens: (u?.inputTokens ?? 0) + (u?.outputTokens ?? 0),
  };
  return { ...base, gantry_cost_usd: costUsd, ...(u?.estimated ? { gantry_usage_estimated: true } : {}) };
}
