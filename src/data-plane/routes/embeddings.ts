import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import { loadTokenizer } from '../../kernel/tokens.js';
import type { ChatCompletionRequest, EmbeddingRequest } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { createGuardrailPipeline, type GuardrailPipeline } from '../guardrails/index.js';
import { parseJsonBody, readBody } from '../http/read-body.js';
import { sendJson } from '../http/respond.js';
import type { Limits } from '../limits/limits.js';
import type { Meter } from '../metering/meter.js';
import type { DriftReporter } from '../stages/agent-drift.js';
import { type AuthorizeModel, createResolveModel } from '../stages/resolve-model.js';
import { validateEmbeddingRequest } from '../validation/embedding-request.js';
import type { UpstreamCaller } from '../routing/upstream-caller.js';
import { gatewayHeaders, type Route } from './route.js';

async function estimateInputTokens(input: EmbeddingRequest['input']): Promise<number> {
  const { countText } = await loadTokenizer();
  if (typeof input === 'string') return countText(input);
  let total = 0;
  for (const item of input) {
    if (typeof item === 'string') total += countText(item);
    else if (typeof item === 'number') total += 1;
    else total += item.length;
  }
  return total;
}

/**
 * The input as the chat-shaped request the policy check sizes (context.promptTokens: ceil(UTF-8
 * bytes / 4) of the messages, as for chat). Token arrays count as their JSON text, an over-estimate.
 */
function asPolicyInput(request: EmbeddingRequest): ChatCompletionRequest {
  const { input } = request;
  const items = typeof input === 'string' ? [input] : typeof input[0] === 'number' ? [JSON.stringify(input)] : (input as (string | number[])[]);
  return { model: request.model, messages: items.map((item) => ({ role: 'user', content: typeof item === 'string' ? item : JSON.stringify(item) })) };
}

export function createEmbeddingsRoute(deps: { meter: Meter; limits: Limits; clock: { monotonic(): number }; maxBodyBytes: number; caller: UpstreamCaller; guardrails?: GuardrailPipeline; authorize?: AuthorizeModel; drift?: DriftReporter }): Route {
  const resolveModel = createResolveModel(deps.authorize, deps.drift);
  const guardrails = deps.guardrails ?? createGuardrailPipeline();
  return {
    endpoint: 'embeddings',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const request = validateEmbeddingRequest(parseJsonBody(await readBody(req, deps.maxBodyBytes)));
      ctx.requestedModel = request.model;
      // The builder only runs when a policy decides (no Route serves embeddings).
      resolveModel(ctx, () => asPolicyInput(request));
      // Input guardrails before limits: the upstream embeds the redacted text.
      const checking = guardrails.embeddingsInput(ctx, request);
      if (checking) await checking;
      await deps.limits.admit(ctx, {
        inputTokensBound: () => Buffer.byteLength(JSON.stringify(request.input)),
        exactInputTokens: async () => Math.ceil((await estimateInputTokens(request.input)) * 1.1) + 8,
        requestedMaxOutput: undefined,
        hasOutput: false,
      });
      const response = await deps.caller.embeddings(ctx, request);
      ctx.ttftMs = deps.clock.monotonic() - ctx.startMono;
      const reported = response.usage?.prompt_tokens;
      const inputTokens = typeof reported === 'number' ? reported : await estimateInputTokens(request.input);
      ctx.usage = { inputTokens, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0, estimated: typeof reported !== 'number' };
      const costUsd = formatMicrosAsUsd(deps.meter.cost(ctx));
      ctx.status = 200;
      sendJson(res, 200, JSON.stringify(response), gatewayHeaders(ctx, costUsd));
    },
  };
}
