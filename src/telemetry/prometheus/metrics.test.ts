import { afterEach, describe, expect, it } from 'vitest';
import { type AlertMessage, type LimitRefusedMessage, type PolicyDecisionMessage, telemetryChannels } from '../channels.js';
import { createPrometheusMetrics, type PrometheusMetrics } from './metrics.js';

let metrics: PrometheusMetrics | undefined;
afterEach(() => metrics?.close());

const alert: AlertMessage = {
  type: 'budget_threshold',
  id: 'budget_threshold:team-a-monthly:2026-11:80',
  at: 0,
  subject: 'team-a-monthly',
  window: '2026-11',
  thresholdPercent: 80,
  spentMicros: 40_000_000,
  referenceMicros: 50_000_000,
  enforcement: 'hard',
  summary: 'Budget team-a-monthly reached 80%.',
};

describe('alert and limit metrics', () => {
  it('counts alerts by type and subject, and refusals by kind and limit name', async () => {
    metrics = createPrometheusMetrics({ defaultMetrics: false });
    const channels = telemetryChannels();
    channels.alert.publish(alert);
    channels.alert.publish(alert);
    channels.alert.publish({ ...alert, type: 'spend_anomaly', subject: 'team:team-b' } satisfies AlertMessage);
    const refused: LimitRefusedMessage = { kind: 'rate', name: 'team-b-rpm' };
    channels.limitRefused.publish(refused);
    const body = (await metrics.render()).body;
    expect(body).toContain('gantry_alerts_total{type="budget_threshold",subject="team-a-monthly"} 2');
    expect(body).toContain('gantry_alerts_total{type="spend_anomaly",subject="team:team-b"} 1');
    expect(body).toContain('gantry_limit_refusals_total{kind="rate",name="team-b-rpm"} 1');
  });

  it('shows webhook failures by reason, starting at zero', async () => {
    metrics = createPrometheusMetrics({ defaultMetrics: false });
    expect((await metrics.render()).body).toContain('gantry_alert_webhook_failures_total{reason="dropped"} 0');
    metrics.alertWebhookFailed('dropped');
    metrics.alertWebhookFailed('exhausted');
    const body = (await metrics.render()).body;
    expect(body).toContain('gantry_alert_webhook_failures_total{reason="dropped"} 1');
    expect(body).toContain('gantry_alert_webhook_failures_total{reason="exhausted"} 1');
  });

  it('counts policy evaluation errors per policy', async () => {
    metrics = createPrometheusMetrics({ defaultMetrics: false });
    const error: PolicyDecisionMessage = { outcome: 'error', policyIds: ['gold-only'], action: 'invoke_model', principal: 'ApiKey:k', resource: 'Model:m', team: 't', requestId: 'r' };
    telemetryChannels().policyDecision.publish(error);
    expect((await metrics.render()).body).toContain('gantry_policy_decisions_total{outcome="error",policy="gold-only"} 1');
  });

  it('stops counting after close()', async () => {
    metrics = createPrometheusMetrics({ defaultMetrics: false });
    metrics.close();
    telemetryChannels().alert.publish(alert);
    expect((await metrics.render()).body).not.toContain('gantry_alerts_total{');
  });
});
