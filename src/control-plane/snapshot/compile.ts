import { createHash } from 'node:crypto';
import { parseUsdToMicros, type TokenPrices } from '../../kernel/money.js';
import type { Principal } from '../../kernel/types.js';
import type { CompiledDeployment, CompiledModel, ModelPricing, RuntimeSnapshot } from '../../data-plane/snapshot.js';
import type { Provider, Timeouts } from '../../providers/contract.js';
import type { ModelDoc, PricingSpec, TimeoutsSpec, ValidatedConfig } from '../config/index.js';

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, headersMs: 120_000, bodyIdleMs: 120_000 };

export interface CompileInput {
  readonly generation: number;
  readonly config: ValidatedConfig;
  /** Live provider instances by Provider name (created by the composition root). */
  readonly providers: ReadonlyMap<string, Provider>;
  readonly keys: Iterable<{ readonly hash: string; readonly principal: Principal }>;
  /** Seconds since epoch reported as `created` in GET /v1/models. */
  readonly createdAt: number;
}

function usd(value: string | undefined): number {
  if (value === undefined) return 0;
  const micros = parseUsdToMicros(value);
  if (micros === undefined) throw new Error(`invalid price ${value} (validated config expected)`);
  return micros;
}

function compilePricing(spec: PricingSpec | undefined): ModelPricing | undefined {
  if (!spec) return undefined;
  if (spec.free) return { free: true };
  const inputPer1M = usd(spec.inputPer1M);
  const prices: TokenPrices = {
    inputPer1M,
    // Without a cached price, cached tokens cost the same as plain input: never under-bill.
    cachedInputPer1M: spec.cachedInputPer1M === undefined ? inputPer1M : usd(spec.cachedInputPer1M),
    cacheWritePer1M: spec.cacheWritePer1M === undefined ? inputPer1M : usd(spec.cacheWritePer1M),
    outputPer1M: usd(spec.outputPer1M),
    perRequest: usd(spec.perRequest),
  };
  return { free: false, prices };
}

function timeouts(...layers: (TimeoutsSpec | undefined)[]): Timeouts {
  let out: Timeouts = DEFAULT_TIMEOUTS;
  for (const layer of layers) if (layer) out = { ...out, ...layer };
  return out;
}

function compileModel(doc: ModelDoc, config: ValidatedConfig, providers: ReadonlyMap<string, Provider>): CompiledModel {
  const { spec } = doc;
  const entries = spec.deployments ?? [
    { provider: spec.provider ?? '', upstreamModel: spec.upstreamModel, timeouts: undefined, faults: undefined },
  ];
  const deployments: CompiledDeployment[] = entries.map((d) => {
    const provider = providers.get(d.provider);
    const providerDoc = config.providers.find((p) => p.metadata.name === d.provider);
    if (!provider || !providerDoc) throw new Error(`Model ${doc.metadata.name}: provider ${d.provider} was not created`);
    const upstreamModel = d.upstreamModel ?? spec.upstreamModel ?? doc.metadata.name;
    return {
      provider,
      target: {
        id: `${d.provider}/${upstreamModel}`,
        provider: d.provider,
        upstreamModel,
        timeouts: timeouts(providerDoc.spec.timeouts, spec.timeouts, d.timeouts),
        faults: d.faults ?? spec.faults,
      },
    };
  });
  return { name: doc.metadata.name, type: spec.type ?? 'chat', deployments, pricing: compilePricing(spec.pricing) };
}

/** Compiles validated configuration and keys into an immutable runtime snapshot. */
export function compileSnapshot(input: CompileInput): RuntimeSnapshot {
  const models = new Map<string, CompiledModel>();
  for (const doc of input.config.models) models.set(doc.metadata.name, compileModel(doc, input.config, input.providers));

  const priceTable = input.config.models.map((m) => [m.metadata.name, m.spec.pricing ?? null]);
  const priceVersion = `pt-${createHash('sha256').update(JSON.stringify(priceTable)).digest('hex').slice(0, 12)}`;

  const modelListBody = JSON.stringify({
    object: 'list',
    data: [...models.values()].map((m) => ({ id: m.name, object: 'model', created: input.createdAt, owned_by: 'gantry' })),
  });

  const keys = new Map<string, Principal>();
  for (const k of input.keys) keys.set(k.hash, Object.freeze({ ...k.principal }));

  return Object.freeze({ generation: input.generation, priceVersion, models, modelListBody, keys });
}
