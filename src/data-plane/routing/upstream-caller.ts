import type { ChatChunkStream } from '../../providers/contract.js';
import type { ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { applyOutputCap } from '../limits/chat-input.js';
import { providerContext } from '../routes/route.js';

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

/** STUB (replaced by the resilience work): the first deployment, one call. */
export function createSingleDeploymentCaller(): UpstreamCaller {
  const deployment = (ctx: RequestContext) => {
    const d = ctx.model?.deployments[0];
    if (!d) throw new Error('the caller needs a resolved model');
    ctx.deployment = d;
    ctx.attempts++;
    return d;
  };
  return {
    chat(ctx, request, cap) {
      const d = deployment(ctx);
      applyOutputCap(request, cap, d.target.upstreamModel);
      return d.provider.chat(request, providerContext(ctx));
    },
    chatStream(ctx, request, cap) {
      const d = deployment(ctx);
      applyOutputCap(request, cap, d.target.upstreamModel);
      return d.provider.chatStream(request, providerContext(ctx));
    },
    embeddings(ctx, request) {
      return deployment(ctx).provider.embeddings(request, providerContext(ctx));
    },
  };
}
