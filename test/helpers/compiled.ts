import type { CompiledDeployment, CompiledModel, ModelLimits, ModelPricing, RuntimeSnapshot } from '../../src/data-plane/snapshot.js';
import { DEFAULT_ROUTING } from '../../src/data-plane/routing/defaults.js';
import type { DeploymentTarget, Provider } from '../../src/providers/contract.js';
import { NO_CACHE } from '../../src/data-plane/cache/response-cache.js';
import { createDeploymentHealth } from '../../src/data-plane/routing/deployment-health.js';
import { createUpstreamCaller } from '../../src/data-plane/routing/upstream-caller.js';
import { systemClock } from '../../src/kernel/clock.js';
import { telemetryChannels } from '../../src/telemetry/channels.js';

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
    secrets: [],
    ...over,
  };
}

/**
 * A runtime snapshot for tests: generation 1 and every collection empty, except the parts given. A new
 * snapshot field gets its test default here, not in each test that builds a snapshot.
 */
export function testSnapshot(parts: Partial<RuntimeSnapshot> = {}): RuntimeSnapshot {
  return {
    generation: 1,
    models: new Map(),
    modelListBody: '{"object":"list","data":[]}',
    keys: new Map(),
    agents: new Map(),
    budgets: [],
    rateLimits: [],
    routes: new Map(),
    cacheOptOutTeams: new Set(),
    policies: undefined,
    guardrails: [],
    mcpServers: new Map(),
    grants: [],
    ...parts,
  };
}

/**
 * Upstream calls and cache for route tests that exercise neither: the real caller (default routing:
 * one retry, breaker after 5 failures) without backoff waits. Each spread (`...PLAIN_UPSTREAM`) gets
 * its own deployment health, so one test's failures never open a breaker in another.
 */
export const PLAIN_UPSTREAM = {
  get caller() {
    const channels = telemetryChannels();
    return createUpstreamCaller({ health: createDeploymentHealth({ clock: systemClock, channels }), clock: systemClock, channels, sleep: async () => {} });
  },
  cache: NO_CACHE,
};
