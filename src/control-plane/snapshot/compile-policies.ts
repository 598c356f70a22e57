import { collectPolicies, compilePolicyEngine, type PolicySource } from '../../policy/cedar-engine.js';
import { modelPolicyAttrs } from '../../policy/model-attributes.js';
import type { PolicyEngine, PolicyValue } from '../../policy/types.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { ModelSpec } from '../resources/kinds/model.js';
import type { PolicySpec } from '../resources/kinds/policy.js';
import type { ProviderSpec } from '../resources/kinds/provider.js';

/** Read access to the resources to compile (the resource cache). */
interface Source {
  all(kind: string): Iterable<StoredResource>;
  get(kind: string, name: string): StoredResource | undefined;
}

function modelAttrs(r: StoredResource, resources: Source): Record<string, PolicyValue> {
  const spec = r.spec as ModelSpec;
  const providers = spec.deployments?.map((d) => d.provider) ?? [spec.provider ?? ''];
  const typeOf = (name: string) => (resources.get('Provider', name)?.spec as ProviderSpec | undefined)?.type ?? '';
  return modelPolicyAttrs({ name: r.name, labels: r.labels, providers, gpuPool: spec.gpuPool !== undefined }, typeOf);
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
