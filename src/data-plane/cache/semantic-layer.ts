import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';

/** One request's embedding and the best stored prompt above the model's threshold (if any). */
export interface SemanticProbe {
  readonly vector: Float32Array;
  readonly match: { readonly key: string; readonly score: number } | undefined;
}

/**
 * The semantic cache as the exact cache sees it (docs/caching.md): it maps a prompt's embedding to
 * the exact-cache key of a similar prompt's stored answer. The answers themselves stay in the cache store.
 */
export interface SemanticLayer {
  /** undefined: not eligible (guard: tools, temperature) or embedding failed. Adds the embedding cost to ctx.extraCostMicros. */
  find(ctx: RequestContext, request: ChatCompletionRequest, namespace: string): Promise<SemanticProbe | undefined>;
  /** Remembers that this prompt's answer is stored under `key` (after an exact store). */
  remember(ctx: RequestContext, namespace: string, probe: SemanticProbe, key: string, expiresAt: number): void;
}
