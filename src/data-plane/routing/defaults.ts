import type { CompiledRouting } from '../snapshot.js';

/** A model without spec.routing: priority order, one retry, fallback on errors, breaker after 5 failures. */
export const DEFAULT_ROUTING: CompiledRouting = Object.freeze({
  strategy: 'priority',
  sticky: 'none',
  retry: { attempts: 1, backoffMs: 200, maxBackoffMs: 5_000, budgetRatio: 0.2, minPerSecond: 5 },
  fallbacks: [],
  fallbackOn: { error: true, contextWindow: false, contentFilter: false },
  breaker: { failures: 5, cooldownMs: 30_000 },
  healthCheck: undefined,
  whenAllDown: 'error',
});
