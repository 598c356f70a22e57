import { loadTokenizer } from '../../kernel/tokens.js';
import type { MeteredUsage } from '../../kernel/types.js';
import type { ChatCompletionRequest, OpenAiUsage } from '../../kernel/wire/openai.js';

/** A token count as an upstream may send it (12.5, "7", -1, null) → a whole, non-negative number; rounded up (never under-bill). */
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.ceil(v) : 0);

/** Reads provider-reported usage (OpenAI shape, with Anthropic's cache-write extension). */
export function usageFromProvider(usage: OpenAiUsage | null | undefined): MeteredUsage | undefined {
  if (!usage || typeof usage.prompt_tokens !== 'number' || !Number.isFinite(usage.prompt_tokens)) return undefined;
  return {
    inputTokens: count(usage.prompt_tokens),
    cachedInputTokens: count(usage.prompt_tokens_details?.cached_tokens),
    cacheWriteInputTokens: count(usage.cache_creation_input_tokens),
    outputTokens: count(usage.completion_tokens),
    estimated: false,
  };
}

/** Counts usage with the tokenizer when the provider reported none (e.g. a stream cut short). */
export async function estimateChatUsage(request: ChatCompletionRequest, deliveredOutput: string): Promise<MeteredUsage> {
  const tokenizer = await loadTokenizer();
  return {
    inputTokens: tokenizer.countChatPrompt(request.messages, request.tools),
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens: tokenizer.countText(deliveredOutput),
    estimated: true,
  };
}
