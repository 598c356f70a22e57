/**
 * The bundled catalogue: list prices (USD per 1M tokens) and token limits of common hosted models,
 * as published by the vendors on the date in CATALOGUE_VERSION. It prices a Model that has no inline
 * pricing, GpuPool or PriceBook entry, matched by its upstream model id (a dated snapshot id such as
 * gpt-4o-2024-08-06 or claude-sonnet-4-20250514 matches its base entry). Override any of it with a
 * PriceBook or `spec.pricing`: negotiated rates, batch discounts and long-context surcharges are not
 * in here.
 */
export const CATALOGUE_VERSION = 'catalogue@2026-11-01';

export interface CatalogueEntry {
  readonly inputPer1M: string;
  /** Absent for embedding models (no output tokens). */
  readonly outputPer1M?: string;
  readonly cachedInputPer1M?: string;
  readonly cacheWritePer1M?: string;
  readonly maxOutputTokens?: number;
  readonly contextWindow?: number;
}

export const CATALOGUE: Readonly<Record<string, CatalogueEntry>> = Object.freeze({
  // OpenAI
  'gpt-5': { inputPer1M: '1.25', cachedInputPer1M: '0.125', outputPer1M: '10.00', maxOutputTokens: 128_000, contextWindow: 400_000 },
  'gpt-5-mini': { inputPer1M: '0.25', cachedInputPer1M: '0.025', outputPer1M: '2.00', maxOutputTokens: 128_000, contextWindow: 400_000 },
  'gpt-5-nano': { inputPer1M: '0.05', cachedInputPer1M: '0.005', outputPer1M: '0.40', maxOutputTokens: 128_000, contextWindow: 400_000 },
  'gpt-4.1': { inputPer1M: '2.00', cachedInputPer1M: '0.50', outputPer1M: '8.00', maxOutputTokens: 32_768, contextWindow: 1_047_576 },
  'gpt-4.1-mini': { inputPer1M: '0.40', cachedInputPer1M: '0.10', outputPer1M: '1.60', maxOutputTokens: 32_768, contextWindow: 1_047_576 },
  'gpt-4.1-nano': { inputPer1M: '0.10', cachedInputPer1M: '0.025', outputPer1M: '0.40', maxOutputTokens: 32_768, contextWindow: 1_047_576 },
  'gpt-4o': { inputPer1M: '2.50', cachedInputPer1M: '1.25', outputPer1M: '10.00', maxOutputTokens: 16_384, contextWindow: 128_000 },
  // The first gpt-4o snapshot kept its launch price; matched exactly before the date is stripped.
  'gpt-4o-2024-05-13': { inputPer1M: '5.00', outputPer1M: '15.00', maxOutputTokens: 4_096, contextWindow: 128_000 },
  'gpt-4o-mini': { inputPer1M: '0.15', cachedInputPer1M: '0.075', outputPer1M: '0.60', maxOutputTokens: 16_384, contextWindow: 128_000 },
  o3: { inputPer1M: '2.00', cachedInputPer1M: '0.50', outputPer1M: '8.00', maxOutputTokens: 100_000, contextWindow: 200_000 },
  'o4-mini': { inputPer1M: '1.10', cachedInputPer1M: '0.275', outputPer1M: '4.40', maxOutputTokens: 100_000, contextWindow: 200_000 },
  'text-embedding-3-small': { inputPer1M: '0.02', contextWindow: 8_191 },
  'text-embedding-3-large': { inputPer1M: '0.13', contextWindow: 8_191 },
  // Anthropic (cache writes at the 5-minute TTL price)
  'claude-opus-4-5': { inputPer1M: '5.00', cachedInputPer1M: '0.50', cacheWritePer1M: '6.25', outputPer1M: '25.00', maxOutputTokens: 64_000, contextWindow: 200_000 },
  'claude-opus-4-1': { inputPer1M: '15.00', cachedInputPer1M: '1.50', cacheWritePer1M: '18.75', outputPer1M: '75.00', maxOutputTokens: 32_000, contextWindow: 200_000 },
  'claude-opus-4': { inputPer1M: '15.00', cachedInputPer1M: '1.50', cacheWritePer1M: '18.75', outputPer1M: '75.00', maxOutputTokens: 32_000, contextWindow: 200_000 },
  'claude-sonnet-4-5': { inputPer1M: '3.00', cachedInputPer1M: '0.30', cacheWritePer1M: '3.75', outputPer1M: '15.00', maxOutputTokens: 64_000, contextWindow: 200_000 },
  'claude-sonnet-4': { inputPer1M: '3.00', cachedInputPer1M: '0.30', cacheWritePer1M: '3.75', outputPer1M: '15.00', maxOutputTokens: 64_000, contextWindow: 200_000 },
  'claude-3-7-sonnet': { inputPer1M: '3.00', cachedInputPer1M: '0.30', cacheWritePer1M: '3.75', outputPer1M: '15.00', maxOutputTokens: 64_000, contextWindow: 200_000 },
  'claude-haiku-4-5': { inputPer1M: '1.00', cachedInputPer1M: '0.10', cacheWritePer1M: '1.25', outputPer1M: '5.00', maxOutputTokens: 64_000, contextWindow: 200_000 },
  'claude-3-5-haiku': { inputPer1M: '0.80', cachedInputPer1M: '0.08', cacheWritePer1M: '1.00', outputPer1M: '4.00', maxOutputTokens: 8_192, contextWindow: 200_000 },
});

/** `-2024-08-06`, `-20250514` and `-latest` at the end of an upstream model id. */
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/** The catalogue entry for an upstream model id: exact, else with its snapshot suffix removed. */
export function catalogueEntry(upstreamModel: string): CatalogueEntry | undefined {
  if (Object.hasOwn(CATALOGUE, upstreamModel)) return CATALOGUE[upstreamModel];
  const base = upstreamModel.replace(SNAPSHOT_SUFFIX, '');
  return base !== upstreamModel && Object.hasOwn(CATALOGUE, base) ? CATALOGUE[base] : undefined;
}
