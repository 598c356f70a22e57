import { costMicros, type Micros, type TokenPrices } from '../../kernel/money.js';

/** The smallest answer a capped request is still sent for: below this the budget refuses it. */
export const MIN_CAPPED_OUTPUT_TOKENS = 16;

/** Input priced at its dearest rate (a cache write can cost more than plain input): never under-reserve. */
function worstPrices(prices: TokenPrices): TokenPrices {
  const input = Math.max(prices.inputPer1M, prices.cacheWritePer1M, prices.cachedInputPer1M);
  return { ...prices, inputPer1M: input, cachedInputPer1M: input, cacheWritePer1M: input };
}

/** Worst-case cost of `inputTokens` in and `outputTokens` out. */
export function worstCaseMicros(prices: TokenPrices, inputTokens: number, outputTokens: number): Micros {
  return costMicros({ inputTokens, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens }, worstPrices(prices));
}

/**
 * The most output tokens `grantedMicros` pays for after the input (exact integer arithmetic:
 * cost = ceil((in × pIn + out × pOut) / 1e6) + perRequest ≤ granted). Capped at `maxOutput`.
 */
export function affordableOutputTokens(prices: TokenPrices, inputTokens: number, grantedMicros: Micros, maxOutput: number): number {
  const w = worstPrices(prices);
  if (w.outputPer1M === 0) return maxOutput;
  const room = BigInt(grantedMicros - w.perRequest) * 1_000_000n - BigInt(inputTokens) * BigInt(w.inputPer1M);
  if (room < 0n) return 0;
  const tokens = Number(room / BigInt(w.outputPer1M));
  return Math.min(tokens, maxOutput);
}
