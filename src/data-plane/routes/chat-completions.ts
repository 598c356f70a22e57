import type { IncomingMessage, ServerResponse } from 'node:http';
import { toGatewayError } from '../../kernel/errors/index.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { MeteredUsage } from '../../kernel/types.js';
import { type ChatCompletion, type ChatCompletionChunk, type ChatCompletionRequest, RAW_JSON } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { parseJsonBody, readBody } from '../http/read-body.js';
import { openAiErrorBody, sendJson } from '../http/respond.js';
import { applyOutputCap, chatAdmitInput } from '../limits/chat-input.js';
import type { Limits } from '../limits/limits.js';
import type { Meter } from '../metering/meter.js';
import { estimateChatUsage, usageFromProvider } from '../metering/usage.js';
import { createResolveModel } from '../stages/resolve-model.js';
import { completionText, createChunkAccumulator } from '../streaming/chunk-accumulator.js';
import { createSseWriter, SSE_HEADERS } from '../streaming/sse-writer.js';
import { validateChatRequest } from '../validation/chat-request.js';
import { gatewayHeaders, providerContext, type Route } from './route.js';

export interface ChatServeDeps {
  readonly meter: Meter;
  readonly limits: Limits;
  readonly clock: { monotonic(): number };
}

/**
 * Serves a validated chat request through the resolved deployment, streaming or not, and records
 * usage on the context. Shared by every protocol that translates into chat (OpenAI, Anthropic,
 * Responses): they pass hooks to render the result in their own wire format.
 */
export interface ChatOutput {
  /** Writes a non-stream completion (usage and cost already known). */
  complete(completion: ChatCompletion, costUsd: string, res: ServerResponse, ctx: RequestContext): void;
  /** Starts a stream: returns a sink for chunks and an end/fail handler. */
  startStream(res: ServerResponse, ctx: RequestContext): ChatStreamOutput;
}

export interface ChatStreamOutput {
  chunk(chunk: ChatCompletionChunk): Promise<void> | undefined;
  /** The upstream finished: `usageChunk` is the final usage chunk (cost added) to emit if wanted. */
  finish(usageChunk: ChatCompletionChunk): void;
  /** The stream failed after it started (headers are sent: report the error in-band). */
  fail(err: ReturnType<typeof toGatewayError>): void;
}

export function createChatServer({ meter, limits, clock }: ChatServeDeps) {
  return async function serveChat(ctx: RequestContext, request: ChatCompletionRequest, res: ServerResponse, out: ChatOutput) {
    const deployment = ctx.deployment;
    if (!deployment) throw new Error('serveChat needs a resolved deployment');
    applyOutputCap(request, await limits.admit(ctx, chatAdmitInput(request)), deployment.target.upstreamModel);
    const pctx = providerContext(ctx);
    if (!ctx.stream) {
      const completion = await deployment.provider.chat(request, pctx).catch(async (err: unknown) => {
        // The upstream had the prompt: a client that left (or a shutdown) mid-answer, or an answer cut
        // in transit, is billed at least for the input, which the upstream bills too (never $0).
        if (ctx.abort.signal.aborted || toGatewayError(err).code === 'GW_UPSTREAM_STREAM_INTERRUPTED') ctx.usage = await estimateChatUsage(request, '');
        throw err;
      });
      ctx.ttftMs = clock.monotonic() - ctx.startMono;
      const usage = usageFromProvider(completion.usage);
      ctx.usage = usage ?? (await estimateChatUsage(request, completionText(completion)));
      const costUsd = formatMicrosAsUsd(meter.cost(ctx));
      completion.usage = withCost(completion.usage, ctx, costUsd);
      ctx.status = 200;
      out.complete(completion, costUsd, res, ctx);
      return;
    }

    const stream = await deployment.provider.chatStream(request, pctx);
    const sink = out.startStream(res, ctx);
    ctx.status = 200;
    const acc = createChunkAccumulator();
    let last: ChatCompletionChunk | undefined;
    try {
      for await (const chunk of stream) {
        last = chunk;
        if (acc.add(chunk)) ctx.ttftMs = clock.monotonic() - ctx.startMono;
        if (chunk.choices.length === 0 && chunk.usage) continue; // held back: cost is added at the end
        const pending = sink.chunk(chunk);
        if (pending) await pending;
        if (ctx.abort.signal.aborted) break;
      }
      ctx.usage = ctx.abort.signal.aborted ? await usageOfUnfinished(request, acc) : (usageFromProvider(acc.usage()) ?? (await estimateChatUsage(request, acc.deliveredText())));
      if (ctx.abort.signal.aborted) return;
      const costUsd = formatMicrosAsUsd(meter.cost(ctx));
      const usageChunk: ChatCompletionChunk = {
        id: last?.id ?? ctx.requestId,
        object: 'chat.completion.chunk',
        created: last?.created ?? Math.floor(ctx.startedAt / 1000),
        model: last?.model ?? request.model,
        choices: [],
        usage: withCost(acc.usage() ?? undefined, ctx, costUsd),
      };
      sink.finish(usageChunk);
    } catch (err) {
      ctx.usage = await usageOfUnfinished(request, acc);
      if (ctx.abort.signal.aborted) return;
      const gw = toGatewayError(err);
      ctx.errorCode = gw.code;
      ctx.upstreamStatus = gw.upstreamStatus;
      ctx.outcome = 'upstream_error';
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

/** OpenAI wire output for /v1/chat/completions. */
export function openAiChatOutput(includeUsage: boolean): ChatOutput {
  return {
    complete(completion, costUsd, res, ctx) {
      sendJson(res, 200, JSON.stringify(completion), gatewayHeaders(ctx, costUsd));
    },
    startStream(res, ctx) {
      // Headers leave with the first frame (one packet, one syscall): the upstream already answered,
      // so the first chunk follows at once.
      res.writeHead(200, { ...SSE_HEADERS, ...gatewayHeaders(ctx) });
      const sse = createSseWriter(res);
      return {
        chunk: (chunk) => sse.data(chunk[RAW_JSON] ?? JSON.stringify(chunk)),
        finish(usageChunk) {
          if (includeUsage) sse.write(`data: ${JSON.stringify(usageChunk)}\n\n`);
          sse.end('data: [DONE]\n\n');
        },
        fail(err) {
          // OpenAI SDKs raise an APIError for an in-band error event; the stream is not silently short.
          sse.end(`data: ${openAiErrorBody(err)}\n\n`);
        },
      };
    },
  };
}

export function createChatCompletionsRoute(deps: ChatServeDeps & { readonly maxBodyBytes: number }): Route {
  const resolveModel = createResolveModel();
  const serveChat = createChatServer(deps);
  return {
    endpoint: 'chat.completions',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const request = validateChatRequest(parseJsonBody(await readBody(req, deps.maxBodyBytes)));
      ctx.stream = request.stream === true;
      ctx.requestedModel = request.model;
      resolveModel(ctx);
      await serveChat(ctx, request, res, openAiChatOutput(request.stream_options?.include_usage === true));
    },
  };
}
