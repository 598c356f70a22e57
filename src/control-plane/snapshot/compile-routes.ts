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
  const splitTotal = split?.reduce((sum, s) => sum + s.weight, 0) ?? 0;
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
    if (split && splitTotal > 0) {
      let point = (stickyKey === undefined ? random() : stickyHash(`${name}\u0000${stickyKey}`)) * splitTotal;
      for (const s of split) {
        point -= s.weight;
        if (point < 0) return { model: s.model, reason: `split:${s.model}` };
      }
      const last = split[split.length - 1] as { model: string };
      return { model: last.model, reason: `split:${last.model}` };
    }
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

/**
 * A sticky key → [0, 1): FNV-1a over the UTF-16 code units, then murmur3's finalizer so that
 * similar keys (run-1, run-2) spread evenly.
 */
export function stickyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}
