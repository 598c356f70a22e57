import type { CompiledBudget, CompiledRateLimit, ScopeMatch } from '../../data-plane/snapshot.js';
import { parseUsdToMicros } from '../../kernel/money.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { type BudgetSpec, DEFAULT_BUDGET_ALERTS } from '../resources/kinds/budget.js';
import type { RateLimitSpec } from '../resources/kinds/rate-limit.js';
import type { ScopeSpec } from '../resources/kinds/scope.js';

const byName = (a: StoredResource, b: StoredResource) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function compileScope(scope: ScopeSpec): ScopeMatch {
  const out: { -readonly [K in keyof ScopeMatch]: ScopeMatch[K] } = {};
  for (const field of ['team', 'agent', 'apiKey', 'user', 'workflow', 'model'] as const) {
    const value = scope[field];
    if (value !== undefined) out[field] = value;
  }
  if (scope.tags && Object.keys(scope.tags).length > 0) out.tags = Object.freeze({ ...scope.tags });
  return Object.freeze(out);
}

export function compileBudget(r: StoredResource): CompiledBudget {
  const spec = r.spec as BudgetSpec;
  const limitMicros = parseUsdToMicros(spec.limitUsd);
  if (limitMicros === undefined) throw new Error(`invalid limitUsd ${spec.limitUsd} (validated resource expected)`);
  const hard = spec.enforcement !== 'soft';
  return Object.freeze({
    name: r.name,
    scope: compileScope(spec.scope),
    perRun: spec.per === 'run',
    window: spec.window,
    limitMicros,
    hard,
    alerts: Object.freeze([...(spec.alerts ?? DEFAULT_BUDGET_ALERTS)]),
    failClosed: spec.failMode === undefined ? hard : spec.failMode === 'closed',
  });
}

export function compileRateLimit(r: StoredResource): CompiledRateLimit {
  const spec = r.spec as RateLimitSpec;
  return Object.freeze({
    name: r.name,
    scope: compileScope(spec.scope),
    per: spec.per,
    requestsPerMinute: spec.requestsPerMinute,
    tokensPerMinute: spec.tokensPerMinute,
    concurrent: spec.concurrent,
    failClosed: spec.failMode === 'closed',
  });
}

interface LimitsSource {
  all(kind: string): Iterable<StoredResource>;
}

/**
 * Budgets and rate limits of the snapshot, sorted by name, recompiled only when one of them changed
 * (the snapshot is recompiled on every change, key revocations included).
 */
export function createLimitsCompiler() {
  let budgets: readonly CompiledBudget[] | undefined;
  let rateLimits: readonly CompiledRateLimit[] | undefined;
  return function compileLimits(resources: LimitsSource, changed: readonly StoredResource[]) {
    if (!budgets || changed.some((r) => r.kind === 'Budget')) budgets = Object.freeze([...resources.all('Budget')].sort(byName).map(compileBudget));
    if (!rateLimits || changed.some((r) => r.kind === 'RateLimit')) rateLimits = Object.freeze([...resources.all('RateLimit')].sort(byName).map(compileRateLimit));
    return { budgets, rateLimits };
  };
}
