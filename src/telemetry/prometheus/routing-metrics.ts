import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DeploymentHealthReader } from '../../data-plane/routing/deployment-health.js';
import type { UsageEvent } from '../../kernel/types.js';
import { type BreakerChangeMessage, CHANNEL_NAMES, type UpstreamAttemptMessage } from '../channels.js';

/** Breaker state as a number: alert on `gantry_deployment_state == 2` (open). */
const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export interface RoutingMetrics {
  /** Counts the cache outcome, the Route decision and the savings of one usage event. */
  onUsage(u: UsageEvent): void;
  close(): void;
}

/**
 * Routing, resilience and cache metrics: upstream attempts and breaker transitions from their
 * channels, cache outcomes, Route decisions and savings from the usage event, and the breaker state
 * and in-flight calls of every deployment read from the health reader at scrape time.
 * Labels stay bounded: model and deployment names come from configuration, a Route's reason is cut
 * to its kind (`rule`, `complexity`, `split`, `default`), never the text with numbers or rule names.
 */
export function createRoutingMetrics(registry: Registry, health: DeploymentHealthReader | undefined): RoutingMetrics {
  const attempts = new Counter({
    name: 'gantry_upstream_attempts_total',
    help: 'Calls to upstream deployments, by model, deployment, kind (first, retry, failover) and result (ok, error).',
    labelNames: ['model', 'deployment', 'kind', 'result'] as const,
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'gantry_breaker_transitions_total',
    help: 'Circuit breaker state changes of a deployment, by the state entered (closed, open, half_open). Per process.',
    labelNames: ['model', 'deployment', 'to'] as const,
    registers: [registry],
  });
  const cache = new Counter({
    name: 'gantry_cache_requests_total',
    help: 'Response cache outcomes (hit, semantic_hit, stale_hit, miss, bypass) by the model that serves (after Route resolution).',
    labelNames: ['model', 'result'] as const,
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'gantry_route_decisions_total',
    help: 'Route decisions, by Route, the model it chose and the kind of reason (rule, complexity, split, default).',
    labelNames: ['route', 'model', 'reason_kind'] as const,
    registers: [registry],
  });
  const savings = new Counter({
    name: 'gantry_savings_micro_usd_total',
    help: 'Saved by routing and caching against the model asked for, in integer micro-USD, by the model asked for and team.',
    labelNames: ['model', 'team'] as const,
    registers: [registry],
  });
  // Read at scrape time: the health reader is the source of truth, no copy to keep in sync.
  // `--workers`: every worker judges its upstreams itself; the cluster shows the worst state (max)
  // and the total of calls in flight (sum).
  new Gauge({
    name: 'gantry_deployment_state',
    help: 'Circuit breaker state of a deployment in this process: 0 closed, 1 half_open, 2 open (with --workers: the worst worker).',
    labelNames: ['model', 'deployment'] as const,
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const s of health?.list() ?? []) this.set({ model: s.model, deployment: s.deployment }, STATE_VALUE[s.state]);
    },
  });
  new Gauge({
    name: 'gantry_deployment_in_flight',
    help: 'Upstream calls in flight to a deployment (with --workers: summed over workers).',
    labelNames: ['model', 'deployment'] as const,
    aggregator: 'sum',
    registers: [registry],
    collect() {
      this.reset();
      for (const s of health?.list() ?? []) this.set({ model: s.model, deployment: s.deployment }, s.inFlight);
    },
  });

  // One child per label combination, resolved once (an attempt is counted on every upstream call).
  const attemptChildren = new Map<string, ReturnType<typeof attempts.labels>>();
  const onAttempt = (message: unknown) => {
    const m = message as UpstreamAttemptMessage;
    const result = m.ok ? 'ok' : 'error';
    const key = `${m.model}\u0000${m.deployment}\u0000${m.kind}\u0000${result}`;
    let child = attemptChildren.get(key);
    if (!child) {
      child = attempts.labels({ model: m.model, deployment: m.deployment, kind: m.kind, result });
      if (attemptChildren.size > 10_000) attemptChildren.clear(); // a safety valve, never expected in practice
      attemptChildren.set(key, child);
    }
    child.inc();
  };
  const onBreaker = (message: unknown) => {
    const m = message as BreakerChangeMessage;
    transitions.inc({ model: m.model, deployment: m.deployment, to: m.to });
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.upstreamAttempt, onAttempt);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.breakerChange, onBreaker);

  return {
    onUsage(u) {
      if (u.cache) cache.inc({ model: u.servedModel ?? u.model, result: u.cache });
      if (u.routeReason && u.servedModel) {
        const colon = u.routeReason.indexOf(':');
        decisions.inc({ route: u.model, model: u.servedModel, reason_kind: colon === -1 ? u.routeReason : u.routeReason.slice(0, colon) });
      }
      if (u.savingsMicros > 0) savings.inc({ model: u.model, team: u.team }, u.savingsMicros);
    },
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.upstreamAttempt, onAttempt);
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.breakerChange, onBreaker);
    },
  };
}
