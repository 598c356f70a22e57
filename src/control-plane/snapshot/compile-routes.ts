import { pickByWeight, weightedDraw } from '../../data-plane/routing/weighted-pick.js';
import type { CompiledModel, CompiledRoute, RequestFeatures, RouteDecision } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { RouteSpec } from '../resources/kinds/route.js';
import { celContext, createFeatureEnvironment } from '../routing/cel-features.js';

export interface CompileRoutesOptions {
  /** Uniform in [0, 1) for a split without a sticky key (tests pass a seeded one). */
  readonly random?: () => number;
}

const DEFAULT_THRESHOLD = 0.5;

/**
 * Compiles Route resources (CEL rules parsed once here, never per request). A route whose targets
 * do not all compile to chat models is left out (its requests get GW_MODEL_NOT_FOUND) rather than
 * failing the snapshot.
 */
export function compileRoutes(routes: Iterable<StoredResource>, models: ReadonlyMap<string, CompiledModel>, options: CompileRoutesOptions = {}): Map<string, CompiledRoute> {
  const env = createFeatureEnvironment();
  const random = options.random ?? Math.random;
  const out = new Map<string, CompiledRoute>();
  for (const r of [...routes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const route = compileRoute(r.name, r.spec as RouteSpec, models, env, random);
    if (route) out.set(r.name, route);
  }
  return out;
}

function compileRoute(
  name: string,
  spec: RouteSpec,
  models: ReadonlyMap<string, CompiledModel>,
  env: ReturnType<typeof createFeatureEnvironment>,
  random: () => number,
): CompiledRoute | undefined {
  const targets = targetsOf(spec);
  if (models.has(name) || !targets.every((t) => models.get(t)?.type === 'chat')) return undefined;
  let rules: { readonly name: string; readonly model: string; readonly when: (ctx: Record<string, unknown>) => unknown }[];
  try {
    rules = (spec.rules ?? []).map((rule) => ({ name: rule.name, model: rule.model, when: env.parse(rule.when) }));
  } catch {
    return undefined; // validated on apply; a stored rule this version cannot parse leaves the route out
  }
  const complexity = spec.complexity ? { ...spec.complexity, threshold: spec.complexity.threshold ?? DEFAULT_THRESHOLD } : undefined;
  const split = spec.split?.filter((s) => s.weight > 0);
  const fallback = spec.default ?? (targets[0] as string);

  function decide(features: RequestFeatures, stickyKey: string | undefined): RouteDecision {
    if (rules.length > 0) {
      const ctx = celContext(features);
      for (const rule of rules) {
        // A rule that fails at run time (a type error, a bad regex) does not match; it never fails the request.
        try {
          if (rule.when(ctx) === true) return { model: rule.model, reason: `rule:${rule.name}` };
        } catch {}
      }
    }
    if (complexity) {
      const score = features.score.toFixed(2);
      return features.score >= complexity.threshold
        ? { model: complexity.complex, reason: `complexity:${score}>=${complexity.threshold}` }
        : { model: complexity.simple, reason: `complexity:${score}<${complexity.threshold}` };
    }
    // Filtered to weights above 0: a non-empty split always picks (and draws only then).
    const s = split?.length ? pickByWeight(split, weightedDraw(name, stickyKey, random)) : undefined;
    if (s) return { model: s.model, reason: `split:${s.model}` };
    return { model: fallback, reason: 'default' };
  }

  return Object.freeze({ name, targets, baseline: baselineOf(spec, targets, models), decide, sticky: spec.sticky ?? 'run' });
}

/** Every model the route may pick, in spec order, once each. */
function targetsOf(spec: RouteSpec): string[] {
  const names = [
    ...(spec.rules ?? []).map((r) => r.model),
    ...(spec.complexity ? [spec.complexity.simple, spec.complexity.complex] : []),
    ...(spec.split ?? []).map((s) => s.model),
    ...(spec.default ? [spec.default] : []),
  ];
  return [...new Set(names)];
}

/** spec.baseline, else the complex tier, else the target with the highest output price (savings are measured against it). */
function baselineOf(spec: RouteSpec, targets: readonly string[], models: ReadonlyMap<string, CompiledModel>): string | undefined {
  const named = spec.baseline ?? spec.complexity?.complex;
  if (named !== undefined) return models.get(named)?.type === 'chat' ? named : undefined;
  let best: string | undefined;
  let bestPrice = -1;
  for (const t of targets) {
    const pricing = models.get(t)?.pricing;
    const price = pricing === undefined ? -1 : pricing.free ? 0 : pricing.prices.outputPer1M;
    if (price > bestPrice) {
      best = t;
      bestPrice = price;
    }
  }
  return best;
}
