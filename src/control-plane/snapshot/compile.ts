import type { CompiledAgent, CompiledDeployment, CompiledModel, RuntimeSnapshot } from '../../data-plane/snapshot.js';
import type { Provider, Timeouts } from '../../providers/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { createPriceBookIndexer } from '../pricing/price-books.js';
import { type PriceContext, resolveLimits, resolvePricing } from '../pricing/resolve-price.js';
import { type AgentSpec, SERVING_STATES } from '../resources/kinds/agent.js';
import type { ModelSpec } from '../resources/kinds/model.js';
import type { ProviderSpec, TimeoutsSpec } from '../resources/kinds/provider.js';
import type { UserSpec } from '../resources/kinds/user.js';
import { createLimitsCompiler } from './compile-limits.js';
import { createKeyIndex } from './key-index.js';

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, headersMs: 120_000, bodyIdleMs: 120_000 };

/** Read access to the resources to compile (the resource cache). */
export interface CompileSource {
  all(kind: string): Iterable<StoredResource>;
  get(kind: string, name: string): StoredResource | undefined;
}

interface CompileInput {
  readonly generation: number;
  readonly resources: CompileSource;
  /** The live provider instance for a Provider resource (reused while its spec is unchanged). */
  readonly providerFor: (name: string, spec: ProviderSpec) => Provider;
  /** Seconds since epoch reported as `created` in GET /v1/models. */
  readonly createdAt: number;
}

function timeouts(...layers: (TimeoutsSpec | undefined)[]): Timeouts {
  let out: Timeouts = DEFAULT_TIMEOUTS;
  for (const layer of layers) if (layer) out = { ...out, ...layer };
  return out;
}

function compileModel(r: StoredResource, input: CompileInput, prices: PriceContext): CompiledModel | undefined {
  const spec = r.spec as ModelSpec;
  const entries = spec.deployments ?? [{ provider: spec.provider ?? '', upstreamModel: spec.upstreamModel, timeouts: undefined, faults: undefined }];
  const deployments: CompiledDeployment[] = [];
  for (const d of entries) {
    const providerRes = input.resources.get('Provider', d.provider);
    // A model whose provider is gone is left out rather than failing the whole snapshot.
    if (!providerRes) continue;
    const providerSpec = providerRes.spec as ProviderSpec;
    const upstreamModel = d.upstreamModel ?? spec.upstreamModel ?? r.name;
    deployments.push({
      provider: input.providerFor(d.provider, providerSpec),
      target: {
        id: `${d.provider}/${upstreamModel}`,
        provider: d.provider,
        upstreamModel,
        timeouts: timeouts(providerSpec.timeouts, spec.timeouts, d.timeouts),
        faults: d.faults ?? spec.faults,
      },
    });
  }
  const served = deployments[0];
  if (!served) return undefined;
  // Priced and limited as the deployment that serves it (the first).
  const upstreamModel = served.target.upstreamModel;
  return {
    name: r.name,
    type: spec.type ?? 'chat',
    deployments,
    pricing: resolvePricing(r, upstreamModel, prices),
    limits: resolveLimits(spec, upstreamModel),
  };
}

function compileAgent(r: StoredResource): CompiledAgent {
  const spec = r.spec as AgentSpec;
  return { name: r.name, owner: spec.owner, serving: SERVING_STATES.has(spec.lifecycle ?? 'proposed'), models: spec.models ? new Set(spec.models) : undefined };
}

/**
 * Compiles resources into immutable runtime snapshots. Models and agents are small and rebuilt on
 * every change; the key table is maintained incrementally (key-index.ts); price books, budgets and
 * rate limits are re-indexed only when one of them changed.
 */
export function createSnapshotCompiler(deps: { readonly providerFor: CompileInput['providerFor']; readonly createdAt: number }) {
  const keyIndex = createKeyIndex();
  const priceBooks = createPriceBookIndexer();
  const compileLimits = createLimitsCompiler();
  return function compile(generation: number, resources: CompileSource, changed: readonly StoredResource[]): RuntimeSnapshot {
    const input: CompileInput = { generation, resources, providerFor: deps.providerFor, createdAt: deps.createdAt };
    const prices: PriceContext = { gpuPool: (name) => resources.get('GpuPool', name), priceBooks: priceBooks(resources.all('PriceBook')) };
    const models = new Map<string, CompiledModel>();
    const modelRows = [...resources.all('Model')].sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const r of modelRows) {
      const m = compileModel(r, input, prices);
      if (m) models.set(r.name, m);
    }
    const modelListBody = JSON.stringify({
      object: 'list',
      data: [...models.values()].map((m) => ({ id: m.name, object: 'model', created: deps.createdAt, owned_by: 'gantry' })),
    });
    const agents = new Map<string, CompiledAgent>();
    for (const r of resources.all('Agent')) agents.set(r.name, compileAgent(r));
    const activeUsers = new Map<string, ReadonlySet<string>>();
    for (const r of resources.all('User')) {
      const spec = r.spec as UserSpec;
      if (!spec.disabled) activeUsers.set(r.name, new Set((spec.teams ?? []).map((m) => m.team)));
    }
    const keys = keyIndex.update(changed, (name) => resources.get('ApiKey', name), { agents, activeUsers });
    const { budgets, rateLimits } = compileLimits(resources, changed);
    return Object.freeze({ generation, models, modelListBody, keys, agents, budgets, rateLimits });
  };
}
