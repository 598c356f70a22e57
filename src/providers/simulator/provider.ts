import { GatewayError } from '../../kernel/errors/index.js';
import { loadTokenizer, type Tokenizer } from '../../kernel/tokens.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionChunkChoice,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../../kernel/wire/openai.js';
import type { ChatChunkStream, Provider, ProviderCallContext } from '../contract.js';
import { chatProfile, embeddingProfile } from './catalogue.js';
import { embeddingInputs, embedText, toBase64 } from './embeddings.js';
import { createRng, hashString } from './random.js';
import { planReply, type SimReply } from './reply.js';
import { splitTokens } from './text.js';
import { abortReason, type CallPlan, contextWindowError, planCall, waitForChunk, waitForHeaders } from './timing.js';

export interface SimulatorOptions {
  readonly name: string;
  /** No simulated latency (benchmarks); per-deployment `faults.ttftMs`/`tokensPerSecond` still apply. */
  readonly instant: boolean;
}

const FINGERPRINT = 'fp_gantry_sim';

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function completionOf(reply: SimReply, model: string): ChatCompletion {
  return {
    id: reply.id,
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    system_fingerprint: FINGERPRINT,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.content,
          ...(reply.toolCalls ? { tool_calls: reply.toolCalls.map((c) => ({ ...c, function: { ...c.function } })) } : {}),
          refusal: null,
        },
        finish_reason: reply.finishReason,
        logprobs: null,
      },
    ],
    usage: { ...reply.usage },
  };
}

/** The pieces a stream delivers after the role chunk, one per simulated token. */
function streamDeltas(tok: Tokenizer, reply: SimReply): ChatCompletionChunkChoice['delta'][] {
  if (!reply.toolCalls) return reply.contentTokens.map((t) => ({ content: t }));
  const deltas: ChatCompletionChunkChoice['delta'][] = [];
  reply.toolCalls.forEach((call, index) => {
    deltas.push({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
    for (const piece of splitTokens(tok, call.function.arguments)) deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
  });
  return deltas;
}

async function* streamReply(tok: Tokenizer, reply: SimReply, model: string, plan: CallPlan, ctx: ProviderCallContext): AsyncGenerator<ChatCompletionChunk> {
  const { signal } = ctx;
  const { timeouts } = ctx.deployment;
  const created = nowSeconds();
  const chunk = (choices: ChatCompletionChunkChoice[], usage?: ChatCompletionChunk['usage']): ChatCompletionChunk => ({
    id: reply.id,
    object: 'chat.completion.chunk',
    created,
    model,
    system_fingerprint: FINGERPRINT,
    choices,
    ...(usage ? { usage } : {}),
  });
  const choice = (delta: ChatCompletionChunkChoice['delta'], finish: ChatCompletionChunkChoice['finish_reason'] = null) => [
    { index: 0, delta, logprobs: null, finish_reason: finish },
  ];

  yield chunk(choice({ role: 'assistant', content: reply.toolCalls ? null : '', refusal: null }));
  const deltas = streamDeltas(tok, reply);
  const perToken = plan.tokensPerSecond > 0 ? 1000 / plan.tokensPerSecond : 0;
  const start = performance.now();
  for (let i = 0; i < deltas.length; i++) {
    if (plan.cutAfterChunks !== undefined && i >= plan.cutAfterChunks) {
      throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream ended before it was complete (simulated cut, faults.cutStreamAfterChunks).');
    }
    const due = start + plan.ttftMs + i * perToken;
    const wait = due - performance.now();
    await waitForChunk(i === 0 ? Math.max(wait, plan.ttftMs > 0 ? 1 : 0) : wait, timeouts, signal);
    yield chunk(choice(deltas[i] as ChatCompletionChunkChoice['delta']));
  }
  if (signal.aborted) throw abortReason(signal);
  yield chunk(choice({}, reply.finishReason));
  // Always report usage: the gateway meters from it and decides whether the client sees it.
  yield chunk([], { ...reply.usage });
}

/** What a provider's content filter answers: nothing, finish_reason "content_filter", the prompt still billed. */
function filteredReply(reply: SimReply): SimReply {
  const prompt = reply.usage.prompt_tokens;
  return {
    ...reply,
    content: '',
    contentTokens: [],
    toolCalls: undefined,
    finishReason: 'content_filter',
    usage: { ...reply.usage, completion_tokens: 0, total_tokens: prompt },
  };
}

/** The embedded simulator provider: deterministic, tokenizer-accurate, with fault knobs. */
export function createSimulatorProvider(options: SimulatorOptions): Provider {
  // Fault sampling is a per-instance sequence (not per request), so a retried request can succeed.
  const faultRng = createRng(hashString(options.name));
  const tokenizer = loadTokenizer();
  // Replies are a pure function of the request: a small memo keeps the simulator cheap under load,
  // so benchmarks measure the gateway, not the mock upstream.
  const memo = new Map<string, SimReply>();
  const MEMO_MAX = 256;
  const replyFor = (tok: Tokenizer, request: ChatCompletionRequest, profile: ReturnType<typeof chatProfile>): SimReply => {
    const key = JSON.stringify(request);
    const hit = memo.get(key);
    if (hit) return hit;
    const reply = planReply(tok, request, profile);
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
    memo.set(key, reply);
    return reply;
  };

  const prepare = async (request: ChatCompletionRequest, ctx: ProviderCallContext) => {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    const tok = await tokenizer;
    const model = ctx.deployment.upstreamModel;
    const profile = chatProfile(model);
    const plan = planCall(profile, ctx.deployment.faults, options.instant, faultRng);
    const planned = replyFor(tok, { ...request, model }, profile);
    const tooLong = contextWindowError(planned.usage.prompt_tokens, ctx.deployment.faults);
    if (tooLong) throw tooLong;
    const reply = plan.contentFilter ? filteredReply(planned) : planned;
    return { tok, model, plan, reply };
  };

  return {
    name: options.name,
    type: 'simulator',

    async chat(request, ctx) {
      const { model, plan, reply } = await prepare(request, ctx);
      const genMs = plan.tokensPerSecond > 0 ? plan.ttftMs + (reply.usage.completion_tokens * 1000) / plan.tokensPerSecond : plan.ttftMs;
      await waitForHeaders(plan.spikeMs + (plan.error ? 0 : genMs), ctx.deployment.timeouts, ctx.signal);
      if (plan.error) throw plan.error;
      return completionOf(reply, model);
    },

    async chatStream(request, ctx): Promise<ChatChunkStream> {
      const { tok, model, plan, reply } = await prepare(request, ctx);
      await waitForHeaders(plan.spikeMs, ctx.deployment.timeouts, ctx.signal);
      if (plan.error) throw plan.error;
      return streamReply(tok, reply, model, plan, ctx);
    },

    async embeddings(request: EmbeddingRequest, ctx): Promise<EmbeddingResponse> {
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      const model = ctx.deployment.upstreamModel;
      const profile = embeddingProfile(model);
      const plan = planCall(profile, ctx.deployment.faults, options.instant, faultRng);
      await waitForHeaders(plan.spikeMs + plan.ttftMs, ctx.deployment.timeouts, ctx.signal);
      if (plan.error) throw plan.error;
      const dims = request.dimensions ?? profile.dimensions;
      const { texts, tokens } = embeddingInputs(await tokenizer, request.input);
      const tooLong = contextWindowError(tokens, ctx.deployment.faults);
      if (tooLong) throw tooLong;
      return {
        object: 'list',
        data: texts.map((text, index) => {
          const v = embedText(text, dims);
          return { object: 'embedding', index, embedding: request.encoding_format === 'base64' ? toBase64(v) : Array.from(v) };
        }),
        model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },

    async close() {},
  };
}
