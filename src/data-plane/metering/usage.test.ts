import { describe, expect, it } from 'vitest';
import { costMicros } from '../../kernel/money.js';
import type { OpenAiUsage } from '../../kernel/wire/openai.js';
import { usageFromProvider } from './usage.js';

describe('usage reported by an upstream', () => {
  it('turns odd counts into whole, non-negative tokens, rounded up, so pricing never throws', () => {
    const odd = { prompt_tokens: 12.5, completion_tokens: -3, prompt_tokens_details: { cached_tokens: 'x' }, cache_creation_input_tokens: Number.NaN } as unknown as OpenAiUsage;
    const u = usageFromProvider(odd);
    expect(u).toEqual({ inputTokens: 13, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0, estimated: false });
    expect(costMicros(u!, { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 1_000_000, perRequest: 0 })).toBe(13);
  });

  it('is absent when the upstream reported no prompt tokens (Gantry then counts with its tokenizer)', () => {
    expect(usageFromProvider(undefined)).toBeUndefined();
    expect(usageFromProvider({ prompt_tokens: Number.POSITIVE_INFINITY } as unknown as OpenAiUsage)).toBeUndefined();
  });
});
