import type { ModelLimits, ModelPricing } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { GpuPoolSpec } from '../resources/kinds/gpu-pool.js';
import type { ModelSpec } from '../resources/kinds/model.js';
import { CATALOGUE_VERSION, catalogueEntry } from './catalogue.js';
import { gpuPoolPricePer1M } from './gpu-pool-price.js';
import type { PriceBookIndex } from './price-books.js';
import { toTokenPrices } from './token-prices.js';

export const DEFAULT_MAX_OUTPUT_TOKENS = 4_096;

export interface PriceContext {
  readonly gpuPool: (name: string) => StoredResource | undefined;
  readonly priceBooks: PriceBookIndex;
}

/**
 * Where a model's price comes from, first match wins (docs/resources.md#price-resolution):
 * 1. the Model's inline `spec.pricing` → `model:<name>@<generation>`;
 * 2. its `spec.gpuPool` → `gpupool:<pool>@<generation>`;
 * 3. a PriceBook entry for its name or upstream model id → `pricebook:<book>@<version>`;
 * 4. the bundled catalogue, by upstream model id → CATALOGUE_VERSION;
 * 5. none: undefined, and the data plane refuses the model (GW_MODEL_UNPRICED).
 */
export function resolvePricing(model: StoredResource, upstreamModel: string, context: PriceContext): ModelPricing | undefined {
  const spec = model.spec as ModelSpec;
  const type = spec.type ?? 'chat';
  if (spec.pricing) {
    const version = `model:${model.name}@${model.generation}`;
    return spec.pricing.free ? { free: true, version } : { free: false, prices: toTokenPrices(spec.pricing), version };
  }
  if (spec.gpuPool) {
    const pool = context.gpuPool(spec.gpuPool);
    // A pool deleted under the model (another process) leaves it unpriced, never priced by something else.
    if (!pool) return undefined;
    const per1M = gpuPoolPricePer1M(pool.spec as GpuPoolSpec);
    const prices = { inputPer1M: per1M, cachedInputPer1M: per1M, cacheWritePer1M: per1M, outputPer1M: per1M, perRequest: 0 };
    return { free: false, prices, version: `gpupool:${pool.name}@${pool.generation}` };
  }
  const booked = context.priceBooks.find(model.name, upstreamModel, type);
  if (booked) return { free: false, prices: toTokenPrices(booked.entry), version: booked.version };
  const listed = catalogueEntry(upstreamModel);
  if (listed && (type === 'embedding' || listed.outputPer1M !== undefined)) return { free: false, prices: toTokenPrices(listed), version: CATALOGUE_VERSION };
  return undefined;
}

/** `spec.limits`, else the catalogue's values for the upstream model, else 4,096 output tokens. */
export function resolveLimits(spec: ModelSpec, upstreamModel: string): ModelLimits {
  const listed = catalogueEntry(upstreamModel);
  const contextWindow = spec.limits?.contextWindow ?? listed?.contextWindow;
  const maxOutput = spec.limits?.maxOutputTokens ?? listed?.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  return { maxOutputTokens: contextWindow === undefined ? maxOutput : Math.min(maxOutput, contextWindow), contextWindow };
}
