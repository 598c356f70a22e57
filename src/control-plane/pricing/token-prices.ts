import { parseUsdToMicros, type TokenPrices } from '../../kernel/money.js';

/** Prices as written in resources: decimal USD strings per 1M tokens (Model.spec.pricing, PriceBook, catalogue). */
export interface UsdPrices {
  readonly inputPer1M?: string;
  readonly outputPer1M?: string;
  readonly cachedInputPer1M?: string;
  readonly cacheWritePer1M?: string;
  readonly perRequest?: string;
}

function usd(value: string | undefined): number {
  if (value === undefined) return 0;
  const micros = parseUsdToMicros(value);
  if (micros === undefined) throw new Error(`invalid price ${value} (validated resource expected)`);
  return micros;
}

/** Micros per 1M tokens. Without a cached or cache-write price those tokens cost plain input: never under-bill. */
export function toTokenPrices(p: UsdPrices): TokenPrices {
  const inputPer1M = usd(p.inputPer1M);
  return {
    inputPer1M,
    cachedInputPer1M: p.cachedInputPer1M === undefined ? inputPer1M : usd(p.cachedInputPer1M),
    cacheWritePer1M: p.cacheWritePer1M === undefined ? inputPer1M : usd(p.cacheWritePer1M),
    outputPer1M: usd(p.outputPer1M),
    perRequest: usd(p.perRequest),
  };
}
