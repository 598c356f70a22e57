import type { MeteredUsage } from '../../kernel/types.js';

/** The usage of two upstream calls for one request (a jsonOutput retry): both are billed. */
export function addUsage(a: MeteredUsage | undefined, b: MeteredUsage): MeteredUsage {
  if (!a) return b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + b.cacheWriteInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    estimated: a.estimated || b.estimated,
  };
}
