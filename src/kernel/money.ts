/**
 * Money is integer micro-USD (1 USD = 1,000,000 micros), never floats. Prices are kept as micros per
 * one million tokens, so a price like $0.075 / 1M tokens is the integer 75,000.
 */
export type Micros = number;

export const MICROS_PER_USD = 1_000_000;
const TOKENS_PER_PRICE_UNIT = 1_000_000n;

const DECIMAL_USD = /^(\d{1,12})(?:\.(\d{1,6}))?$/;

/** Parses a decimal USD string ("0.15", "2.5", "10") into micros; undefined if it is not one. */
export function parseUsdToMicros(value: string): Micros | undefined {
  const m = DECIMAL_USD.exec(value.trim());
  if (!m) return undefined;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(6, '0'));
  return whole * MICROS_PER_USD + frac;
}

/** Formats micros as a decimal USD string with six decimals ("0.000123"). Exact: no float math. */
export function formatMicrosAsUsd(micros: Micros): string {
  const negative = micros < 0;
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_USD);
  const frac = String(abs % MICROS_PER_USD).padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

export interface TokenPrices {
  /** Micros per 1M input tokens that were not served from the provider's prompt cache. */
  readonly inputPer1M: Micros;
  /** Micros per 1M input tokens read from the provider's prompt cache. */
  readonly cachedInputPer1M: Micros;
  /** Micros per 1M input tokens written to the provider's prompt cache. */
  readonly cacheWritePer1M: Micros;
  /** Micros per 1M output tokens. */
  readonly outputPer1M: Micros;
  /** Flat micros per request. */
  readonly perRequest: Micros;
}

export interface PricedTokens {
  /** All input tokens, cached and cache-write ones included (OpenAI's prompt_tokens). */
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly outputTokens: number;
}

/**
 * Cost of one request in micros. Sub-micro fractions are summed exactly (BigInt) and rounded up once
 * per request, so the ledger never under-counts and budgets stay conservative.
 */
export function costMicros(tokens: PricedTokens, prices: TokenPrices): Micros {
  const cached = Math.min(tokens.cachedInputTokens, tokens.inputTokens);
  const cacheWrite = Math.min(tokens.cacheWriteInputTokens, tokens.inputTokens - cached);
  const plainInput = tokens.inputTokens - cached - cacheWrite;
  const scaled =
    BigInt(plainInput) * BigInt(prices.inputPer1M) +
    BigInt(cached) * BigInt(prices.cachedInputPer1M) +
    BigInt(cacheWrite) * BigInt(prices.cacheWritePer1M) +
    BigInt(tokens.outputTokens) * BigInt(prices.outputPer1M);
  const rounded = (scaled + TOKENS_PER_PRICE_UNIT - 1n) / TOKENS_PER_PRICE_UNIT;
  return Number(rounded) + prices.perRequest;
}
