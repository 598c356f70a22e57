import { GatewayError, toGatewayError } from '../../kernel/errors/index.js';
import type { TokenPrices } from '../../kernel/money.js';
import type { CompiledCache, CompiledDeployment, CompiledModel, CompiledRouting, ModelPricing } from '../../data-plane/snapshot.js';
import type { Provider, Timeouts } from '../../providers/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { type PriceContext, resolveLimits, resolvePricing } from '../pricing/resolve-price.js';
import { toTokenPrices } from '../pricing/token-prices.js';
import type { CacheSpec, DeploymentSpec, ModelSpec, RoutingSpec } from '../resources/kinds/model.js';
import type { ProviderSpec, TimeoutsSpec } from '../resources/kinds/provider.js';
import type { SecretResolver } from '../secrets/types.js';

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, headersMs: 120_000, bodyIdleMs: 120_000 };

/**
 * A Provider's `apiKey: {secretRef}` resolved at compile time: the value, or why there is none.
 * `revision` (Secret uid and version, never the value) tells the provider registry a rotation needs
 * a new provider instance.
 */
export type SecretApiKey =
  | { readonly secret: string; readonly revision: string; readonly value: string }
  | { readonly secret: string; readonly revision: string; readonly error: GatewayError };

export type ProviderFor = (name: string, spec: ProviderSpec, apiKey?: SecretApiKey) => Provider;

export interface ModelCompileInput {
  readonly resources: { get(kind: string, name: string): StoredResource | undefined };
  readonly providerFor: ProviderFor;
  readonly prices: PriceContext;
  /** Decrypts Secrets (undefined: no master key, so a secretRef cannot be resolved). */
  readonly secrets?: SecretResolver;
}

/** The Secret a Provider's apiKey names, if any. */
export function providerSecret(spec: ProviderSpec): string | undefined {
  return spec.apiKey && 'secretRef' in spec.apiKey ? spec.apiKey.secretRef : undefined;
}

function resolveApiKey(input: ModelCompileInput, secret: string): SecretApiKey {
  const row = input.resources.get('Secret', secret);
  const unavailable = (why: string, message: string): SecretApiKey => ({
    secret,
    revision: `${row?.uid ?? 'none'}@${row?.generation ?? 0}!${why}`,
    error: new GatewayError('GW_SECRET_UNAVAILABLE', message),
  });
  if (!input.secrets) return unavailable('no-master-key', `Secret "${secret}" cannot be used: this process has no master key.`);
  try {
    const resolved = input.secrets.resolve(secret);
    if (!row || !resolved) return unavailable('missing', `Secret "${secret}" does not exist.`);
    return { secret, revision: `${row.uid}#${resolved.version}`, value: resolved.value };
  } catch (err) {
    const e = toGatewayError(err);
    return { ...unavailable('unavailable', e.message), error: e };
  }
}

function timeouts(...layers: (TimeoutsSpec | undefined)[]): Timeouts {
  let out: Timeouts = DEFAULT_TIMEOUTS;
  for (const layer of layers) if (layer) out = { ...out, ...layer };
  return out;
}

export function compileRouting(spec: RoutingSpec | undefined): CompiledRouting {
  const r = spec ?? {};
  const on = new Set(r.fallbackOn ?? ['error']);
  const fallbacks = r.fallbacks ?? [];
  return {
    strategy: r.strategy ?? 'priority',
    sticky: r.sticky ?? 'none',
    retry: {
      attempts: r.retries?.attempts ?? 1,
      backoffMs: r.retries?.backoffMs ?? 200,
      maxBackoffMs: r.retries?.maxBackoffMs ?? 5_000,
      budgetRatio: (r.retries?.budgetPercent ?? 20) / 100,
      minPerSecond: r.retries?.minPerSecond ?? 5,
    },
    fallbacks,
    fallbackOn: { error: on.has('error'), contextWindow: on.has('context_window'), contentFilter: on.has('content_filter') },
    breaker: { failures: r.breaker?.failures ?? 5, cooldownMs: r.breaker?.cooldownMs ?? 30_000 },
    healthCheck: r.healthCheck ? { intervalMs: r.healthCheck.intervalMs, timeoutMs: r.healthCheck.timeoutMs ?? 10_000 } : undefined,
    whenAllDown: r.whenAllDown ?? (fallbacks.length > 0 ? 'fallback' : 'error'),
  };
}

export function compileCache(spec: CacheSpec | undefined): CompiledCache | undefined {
  if (!spec || (!spec.exact && !spec.semantic)) return undefined;
  const s = spec.semantic;
  return {
    exact: spec.exact ? { ttlMs: (spec.exact.ttlSeconds ?? 3_600) * 1000 } : undefined,
    semantic: s
      ? {
          embeddingModel: s.embeddingModel,
          threshold: s.threshold ?? 0.95,
          ttlMs: (s.ttlSeconds ?? 3_600) * 1000,
          allowTools: s.allowTools ?? false,
          anyTemperature: s.anyTemperature ?? false,
        }
      : undefined,
    shared: spec.shared ?? false,
    staleMs: (spec.staleSeconds ?? 86_400) * 1000,
  };
}

function deploymentPricing(r: StoredResource, d: DeploymentSpec, index: number, upstreamModel: string, prices: PriceContext): ModelPricing | undefined {
  if (!d.pricing) return resolvePricing(r, upstreamModel, prices);
  const version = `model:${r.name}@${r.generation}#${d.name ?? index}`;
  return d.pricing.free ? { free: true, version } : { free: false, prices: toTokenPrices(d.pricing), version };
}

/** A model with its own deployments compiled; worstPrices and fallback-aware limits come in a second pass. */
export function compileModel(r: StoredResource, input: ModelCompileInput): CompiledModel | undefined {
  const spec = r.spec as ModelSpec;
  const entries: DeploymentSpec[] = spec.deployments ?? [{ provider: spec.provider ?? '', upstreamModel: spec.upstreamModel }];
  const deployments: CompiledDeployment[] = [];
  const secrets = new Set<string>();
  for (const [index, d] of entries.entries()) {
    const providerRes = input.resources.get('Provider', d.provider);
    // A deployment whose provider is gone is left out rather than failing the whole snapshot.
    if (!providerRes) continue;
    const providerSpec = providerRes.spec as ProviderSpec;
    const upstreamModel = d.upstreamModel ?? spec.upstreamModel ?? r.name;
    const caps = d.capabilities ?? {};
    const secret = providerSecret(providerSpec);
    if (secret !== undefined) secrets.add(secret);
    deployments.push({
      provider: input.providerFor(d.provider, providerSpec, secret === undefined ? undefined : resolveApiKey(input, secret)),
      target: {
        id: d.name ?? `${d.provider}/${upstreamModel}`,
        provider: d.provider,
        upstreamModel,
        timeouts: timeouts(providerSpec.timeouts, spec.timeouts, d.timeouts),
        faults: d.faults ?? spec.faults,
      },
      weight: d.weight ?? 1,
      priority: d.priority ?? index,
      pricing: deploymentPricing(r, d, index, upstreamModel, input.prices),
      limits: resolveLimits({ ...spec, limits: { ...spec.limits, ...d.limits } }, upstreamModel),
      capabilities: { tools: caps.tools ?? true, vision: caps.vision ?? true, jsonMode: caps.jsonMode ?? true },
    });
  }
  if (deployments.length === 0) return undefined;
  // Stable: equal priorities keep list order.
  deployments.sort((a, b) => a.priority - b.priority);
  const first = deployments[0] as CompiledDeployment;
  const unpriced = deployments.some((d) => d.pricing === undefined);
  return {
    name: r.name,
    secrets: [...secrets].sort(),
    type: spec.type ?? 'chat',
    deployments,
    pricing: unpriced ? undefined : first.pricing,
    worstPrices: undefined,
    limits: first.limits,
    routing: compileRouting(spec.routing),
    cache: compileCache(spec.cache),
  };
}

function maxPrices(a: TokenPrices | undefined, b: TokenPrices | undefined): TokenPrices | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    inputPer1M: Math.max(a.inputPer1M, b.inputPer1M),
    cachedInputPer1M: Math.max(a.cachedInputPer1M, b.cachedInputPer1M),
    cacheWritePer1M: Math.max(a.cacheWritePer1M, b.cacheWritePer1M),
    outputPer1M: Math.max(a.outputPer1M, b.outputPer1M),
    perRequest: Math.max(a.perRequest, b.perRequest),
  };
}

const ownPrices = (m: CompiledModel): TokenPrices | undefined =>
  m.deployments.reduce<TokenPrices | undefined>((acc, d) => (d.pricing && !d.pricing.free ? maxPrices(acc, d.pricing.prices) : acc), undefined);

/**
 * Second pass: every model's reservation price and output limit cover what it may end up served by —
 * its own deployments, its fallback models' (transitively), and the semantic cache's embedding input.
 * A fallback chain with an unpriced model leaves the model unpriced (fail closed).
 */
export function withFallbackBounds(models: ReadonlyMap<string, CompiledModel>): Map<string, CompiledModel> {
  const out = new Map<string, CompiledModel>();
  for (const m of models.values()) {
    const seen = new Set<string>();
    const queue = [m.name];
    let prices: TokenPrices | undefined;
    let maxOutputTokens = m.limits.maxOutputTokens;
    let priced = m.pricing !== undefined;
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const target = models.get(name);
      if (!target) continue; // a fallback that does not compile is skipped at run time too
      if (target.pricing === undefined) priced = false;
      prices = maxPrices(prices, ownPrices(target));
      for (const d of target.deployments) maxOutputTokens = Math.max(maxOutputTokens, d.limits.maxOutputTokens);
      queue.push(...target.routing.fallbacks);
    }
    const embed = m.cache?.semantic ? models.get(m.cache.semantic.embeddingModel) : undefined;
    const embedPrices = embed ? ownPrices(embed) : undefined;
    if (embedPrices && prices) prices = { ...prices, inputPer1M: prices.inputPer1M + embedPrices.inputPer1M, perRequest: prices.perRequest + embedPrices.perRequest };
    out.set(m.name, {
      ...m,
      pricing: priced ? m.pricing : undefined,
      worstPrices: prices,
      limits: { ...m.limits, maxOutputTokens },
    });
  }
  return out;
}
