import { collectPolicies, compilePolicyEngine, type PolicySource } from '../../policy/cedar-engine.js';
import type { PolicyEngine, PolicyValue } from '../../policy/types.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { ModelSpec } from '../resources/kinds/model.js';
import type { PolicySpec } from '../resources/kinds/policy.js';
import type { ProviderSpec } from '../resources/kinds/provider.js';

/** Model label that marks a model as self-hosted for policies (`resource.selfHosted`). */
export const SELF_HOSTED_LABEL = 'gantry.dev/self-hosted';

/** Read access to the resources to compile (the resource cache). */
interface Source {
  all(kind: string): Iterable<StoredResource>;
  get(kind: string, name: string): StoredResource | undefined;
}

/**
 * A Model's Cedar attributes (design-9): its first deployment's provider decides provider and
 * providerType; the simulator makes it self-hosted only when every deployment is on one (a request
 * may fail over to any of them).
 */
function modelAttrs(r: StoredResource, resources: Source): Record<string, PolicyValue> {
  const spec = r.spec as ModelSpec;
  const typeOf = (name: string) => (resources.get('Provider', name)?.spec as ProviderSpec | undefined)?.type ?? '';
  const providers = spec.deployments?.map((d) => d.provider) ?? [spec.provider ?? ''];
  const provider = providers[0] ?? '';
  const providerType = typeOf(provider);
  const selfHosted = r.labels[SELF_HOSTED_LABEL] === 'true' || spec.gpuPool !== undefined || providers.every((p) => typeOf(p) === 'simulator');
  return { name: r.name, provider, providerType, selfHosted, labels: { ...r.labels } };
}

/**
 * Compiles Policy resources into the snapshot's PolicyEngine (Cedar sets pre-parsed once), again
 * only when a Policy, Model or Provider changed (models' attributes are compiled in). No Policy:
 * undefined, so the data plane makes no decision at all. A stored resource that no longer compiles
 * (apply validates, so only rows written before that) is left out rather than failing every
 * snapshot; the others still apply.
 */
export function createPolicyCompiler() {
  let engine: PolicyEngine | undefined;
  let compiled = false;
  return function compilePolicies(resources: Source, changed: readonly StoredResource[]): PolicyEngine | undefined {
    if (compiled && !changed.some((r) => r.kind === 'Policy' || r.kind === 'Model' || r.kind === 'Provider')) return engine;
    compiled = true;
    const sources: PolicySource[] = [...resources.all('Policy')]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((r) => {
        const spec = r.spec as PolicySpec;
        return { name: r.name, text: spec.policy, mode: spec.mode ?? 'enforce' };
      });
    const broken = new Set(collectPolicies(sources).problems.map((p) => p.resource));
    const usable = sources.filter((s) => !broken.has(s.name));
    if (usable.length === 0) {
      engine = undefined;
      return engine;
    }
    const models = new Map<string, Record<string, PolicyValue>>();
    for (const r of resources.all('Model')) models.set(`Model::${r.name}`, modelAttrs(r, resources));
    engine = compilePolicyEngine(usable, { resources: models });
    return engine;
  };
}
