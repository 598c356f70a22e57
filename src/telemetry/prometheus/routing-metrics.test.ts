import { afterEach, describe, expect, it } from 'vitest';
import { type DeploymentHealthReader, type DeploymentStatus, NEVER_CALLED } from '../../data-plane/routing/deployment-health.js';
import { usageEvent } from '../../storage/contract/usage-event.js';
import { type BreakerChangeMessage, type RequestEndMessage, telemetryChannels, type UpstreamAttemptMessage } from '../channels.js';
import { aggregateMetrics } from './cluster-metrics.js';
import { createPrometheusMetrics, type PrometheusMetrics } from './metrics.js';

const opened: PrometheusMetrics[] = [];
afterEach(() => {
  for (const m of opened.splice(0)) m.close();
});
const metricsWith = (deploymentHealth?: DeploymentHealthReader) => {
  const m = createPrometheusMetrics({ defaultMetrics: false, ...(deploymentHealth ? { deploymentHealth } : {}) });
  opened.push(m);
  return m;
};

const status = (overrides: Partial<DeploymentStatus>): DeploymentStatus => ({
  model: 'chat',
  deployment: 'chat-primary',
  ...NEVER_CALLED,
  ...overrides,
});

/** A reader whose list the test changes between scrapes. */
const healthOf = (rows: DeploymentStatus[]): DeploymentHealthReader => ({ list: () => rows, recordProbe: () => {} });

const ended = (overrides: Parameters<typeof usageEvent>[0]): RequestEndMessage => ({
  endpoint: 'chat.completions',
  status: 200,
  errorCode: undefined,
  latencyMs: 5,
  // Explicit: the shared test event carries routing fields by default.
  usage: usageEvent({ savingsMicros: 0, servedModel: undefined, routeReason: undefined, cache: undefined, ...overrides }),
});

describe('routing metrics', () => {
  it('counts upstream attempts by kind and result, and breaker transitions by the state entered', async () => {
    const metrics = metricsWith();
    const channels = telemetryChannels();
    const attempt = (kind: UpstreamAttemptMessage['kind'], ok: boolean, deployment: string): UpstreamAttemptMessage => ({
      model: 'chat',
      deployment,
      kind,
      ok,
      code: ok ? undefined : 'GW_UPSTREAM_ERROR',
      latencyMs: 3,
    });
    channels.upstreamAttempt.publish(attempt('first', false, 'chat-primary'));
    channels.upstreamAttempt.publish(attempt('retry', false, 'chat-primary'));
    channels.upstreamAttempt.publish(attempt('failover', true, 'chat-secondary'));
    channels.upstreamAttempt.publish(attempt('first', false, 'chat-primary'));
    const open: BreakerChangeMessage = { model: 'chat', deployment: 'chat-primary', from: 'closed', to: 'open', reason: '3 consecutive failures' };
    channels.breakerChange.publish(open);
    channels.breakerChange.publish({ ...open, from: 'open', to: 'half_open' } satisfies BreakerChangeMessage);
    const body = (await metrics.render()).body;
    expect(body).toContain('gantry_upstream_attempts_total{model="chat",deployment="chat-primary",kind="first",result="error"} 2');
    expect(body).toContain('gantry_upstream_attempts_total{model="chat",deployment="chat-primary",kind="retry",result="error"} 1');
    expect(body).toContain('gantry_upstream_attempts_total{model="chat",deployment="chat-secondary",kind="failover",result="ok"} 1');
    expect(body).toContain('gantry_breaker_transitions_total{model="chat",deployment="chat-primary",to="open"} 1');
    expect(body).toContain('gantry_breaker_transitions_total{model="chat",deployment="chat-primary",to="half_open"} 1');
  });

  it('counts cache outcomes, Route decisions by reason kind (never the raw reason) and savings from usage events', async () => {
    const metrics = metricsWith();
    const channels = telemetryChannels();
    channels.requestEnd.publish(ended({ model: 'sim-small', cache: 'miss' }));
    channels.requestEnd.publish(ended({ model: 'sim-small', cache: 'hit', savingsMicros: 120 }));
    channels.requestEnd.publish(ended({ model: 'sim-small', cache: 'hit', savingsMicros: 30, team: 'team-b' }));
    channels.requestEnd.publish(ended({ model: 'auto', servedModel: 'sim-small', routeReason: 'complexity:0.21<0.5', savingsMicros: 1000 }));
    channels.requestEnd.publish(ended({ model: 'auto', servedModel: 'sim-small', routeReason: 'complexity:0.05<0.5' }));
    channels.requestEnd.publish(ended({ model: 'auto', servedModel: 'sim-large', routeReason: 'rule:has-code' }));
    channels.requestEnd.publish(ended({ model: 'auto', servedModel: 'sim-large', routeReason: 'default', cache: 'bypass' }));
    // A fallback model served (servedModel without a Route reason): not a Route decision.
    channels.requestEnd.publish(ended({ model: 'chat', servedModel: 'sim-large' }));
    const body = (await metrics.render()).body;
    expect(body).toContain('gantry_cache_requests_total{model="sim-small",result="miss"} 1');
    expect(body).toContain('gantry_cache_requests_total{model="sim-small",result="hit"} 2');
    expect(body).toContain('gantry_cache_requests_total{model="sim-large",result="bypass"} 1');
    expect(body).toContain('gantry_route_decisions_total{route="auto",model="sim-small",reason_kind="complexity"} 2');
    expect(body).toContain('gantry_route_decisions_total{route="auto",model="sim-large",reason_kind="rule"} 1');
    expect(body).toContain('gantry_route_decisions_total{route="auto",model="sim-large",reason_kind="default"} 1');
    expect(body).not.toContain('0.21');
    expect(body).not.toContain('has-code');
    expect(body).not.toMatch(/gantry_route_decisions_total\{route="chat"/);
    expect(body).toContain('gantry_savings_micro_usd_total{model="sim-small",team="team-a"} 120');
    expect(body).toContain('gantry_savings_micro_usd_total{model="sim-small",team="team-b"} 30');
    expect(body).toContain('gantry_savings_micro_usd_total{model="auto",team="team-a"} 1000');
    // Events without a cache outcome are not counted as one.
    expect(body).not.toMatch(/gantry_cache_requests_total\{model="auto"/);
  });

  it('reads breaker state and in-flight calls from the health reader at every scrape', async () => {
    const rows = [status({ state: 'open', inFlight: 0 }), status({ deployment: 'chat-secondary', inFlight: 3 })];
    const metrics = metricsWith(healthOf(rows));
    let body = (await metrics.render()).body;
    expect(body).toContain('gantry_deployment_state{model="chat",deployment="chat-primary"} 2');
    expect(body).toContain('gantry_deployment_state{model="chat",deployment="chat-secondary"} 0');
    expect(body).toContain('gantry_deployment_in_flight{model="chat",deployment="chat-secondary"} 3');
    rows[0] = status({ state: 'half_open' });
    rows.pop();
    body = (await metrics.render()).body;
    expect(body).toContain('gantry_deployment_state{model="chat",deployment="chat-primary"} 1');
    // A deployment gone from the reader is gone from the scrape (no stale series).
    expect(body).not.toContain('deployment="chat-secondary"');
  });

  it('without a health reader the gauges are empty', async () => {
    const body = (await metricsWith().render()).body;
    expect(body).toContain('# TYPE gantry_deployment_state gauge');
    expect(body).not.toContain('gantry_deployment_state{');
  });

  it('with --workers, the cluster shows the worst breaker state and the sum of in-flight calls', async () => {
    const a = metricsWith(healthOf([status({ state: 'open', inFlight: 1 })]));
    const b = metricsWith(healthOf([status({ state: 'half_open', inFlight: 4 })]));
    const parts = [await a.registry.getMetricsAsJSON(), await b.registry.getMetricsAsJSON()];
    const body = (await aggregateMetrics(parts)).body;
    expect(body).toContain('gantry_deployment_state{model="chat",deployment="chat-primary"} 2');
    expect(body).toContain('gantry_deployment_in_flight{model="chat",deployment="chat-primary"} 5');
  });

  it('stops counting after close()', async () => {
    const metrics = metricsWith();
    metrics.close();
    telemetryChannels().upstreamAttempt.publish({ model: 'chat', deployment: 'd', kind: 'first', ok: true, code: undefined, latencyMs: 1 } satisfies UpstreamAttemptMessage);
    expect((await metrics.render()).body).not.toContain('gantry_upstream_attempts_total{');
  });
});
