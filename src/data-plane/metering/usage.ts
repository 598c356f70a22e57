import { loadTokenizer } from '../../kernel/tokens.js';
import type { MeteredUsage } from '../../kernel/types.js';
import type { ChatCompletionRequest, OpenAiUsage } from '../../kernel/wire/openai.js';

/** Reads provider-reported usage (OpenAI shape, with Anthropic's cache-write extension). */
export function usageFromProvider(usage: OpenAiUsage | null | undefined): MeteredUsage | undefined {
  if (!usage || typeof usage.prompt_tokens !== 'number') return undefined;
  const cacheWrite = usage.cache_creation_input_tokens;
  return {
    inputTokens: usage.prompt_tokens,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteInputTokens: typeof cacheWrite === 'number' ? cacheWrite : 0,
    outputTokens: typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0,
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
