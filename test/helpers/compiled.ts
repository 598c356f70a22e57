import type { CompiledDeployment, CompiledModel, ModelLimits, ModelPricing, RuntimeSnapshot } from '../../src/data-plane/snapshot.js';
import { DEFAULT_ROUTING } from '../../src/data-plane/routing/defaults.js';
import type { DeploymentTarget, Provider } from '../../src/providers/contract.js';
import { NO_CACHE } from '../../src/data-plane/cache/response-cache.js';
import { createSingleDeploymentCaller } from '../../src/data-plane/routing/upstream-caller.js';

/** What hand-built test models used to be: the fields a test cares about. */
export interface ModelShape {
  readonly name: string;
  readonly type: 'chat' | 'embedding';
  readonly deployments: readonly { readonly provider: Provider; readonly target: DeploymentTarget }[];
  readonly pricing: ModelPricing | undefined;
  readonly limits: ModelLimits;
}

/** A compiled model from its essentials, with the routing defaults and every deployment priced as the model. */
export function compiledModel(m: ModelShape, over: Partial<CompiledModel> = {}): CompiledModel {
  const deployments: CompiledDeployment[] = m.deployments.map((d, i) => ({
    provider: d.provider,
    target: d.target,
    weight: 1,
    priority: i,
    pricing: m.pricing,
    limits: m.limits,
    capabilities: { tools: true, vision: true, jsonMode: true },
  }));
  return {
    ...m,
    deployments,
    worstPrices: m.pricing && !m.pricing.free ? m.pricing.prices : undefined,
    routing: DEFAULT_ROUTING,
    cache: undefined,
    ...over,
  };
}

/** The snapshot fields tests built by hand before routing existed. */
export const NO_ROUTES: Pick<RuntimeSnapshot, 'routes' | 'cacheOptOutTeams'> = { routes: new Map(), cacheOptOutTeams: new Set() };

/** Upstream calls and cache for route tests that exercise neither. */
export const PLAIN_UPSTREAM = { caller: createSingleDeploymentCaller(), cache: NO_CACHE };
