import diagnosticsChannel from 'node:diagnostics_channel';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { ResourceStore } from '../../storage/ports/resource-store.js';
import type { AlertMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { AlertWebhookFailure } from '../../telemetry/prometheus/metrics.js';
import type { AlertWebhookSettings } from '../settings.js';
import { createAlertAuditRecorder } from './audit-recorder.js';
import { createWebhookDelivery, type FetchLike, type WebhookPolicy, webhookOrigin } from './webhook-delivery.js';

export interface AlertDeliveryOptions {
  readonly channels: Pick<TelemetryChannels, 'alert'>;
  readonly store: Pick<ResourceStore, 'commit'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: { readonly alertWebhook: AlertWebhookSettings | undefined };
  readonly fetch?: FetchLike;
  /** gantry_alert_webhook_failures_total (PrometheusMetrics.alertWebhookFailed). */
  readonly onWebhookFailure?: (reason: AlertWebhookFailure) => void;
  readonly webhookPolicy?: Partial<WebhookPolicy>;
  readonly auditFlushMs?: number;
  readonly userAgent?: string;
}

export interface AlertDelivery {
  /** Unsubscribes, writes the queued audit entries and gives queued webhooks a last, bounded try. */
  close(): Promise<void>;
}

/**
 * Turns every alert published on the `alert` channel into an audit entry (`alert.<type>`) and, when
 * GANTRY_ALERT_WEBHOOK_URL is set, a signed webhook call. (The Prometheus counter subscribes on its
 * own, in telemetry/prometheus.) The subscriber only queues: the publisher is never blocked.
 */
export function createAlertDelivery(options: AlertDeliveryOptions): AlertDelivery {
  const { channels, logger } = options;
  const audit = createAlertAuditRecorder({ store: options.store, logger, ...(options.auditFlushMs === undefined ? {} : { flushMs: options.auditFlushMs }) });
  const webhookSettings = options.settings.alertWebhook;
  const webhook = webhookSettings
    ? createWebhookDelivery({
        settings: webhookSettings,
        clock: options.clock,
        logger,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.webhookPolicy ? { policy: options.webhookPolicy } : {}),
        ...(options.onWebhookFailure ? { onFailure: options.onWebhookFailure } : {}),
        ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      })
    : undefined;
  if (webhookSettings) logger.info({ webhook: webhookOrigin(webhookSettings.url), format: webhookSettings.format }, 'alerts are sent to a webhook');

  const onAlert = (message: unknown) => {
    const m = message as AlertMessage;
    logger.info({ alertId: m.id, type: m.type, subject: m.subject, window: m.window }, m.summary);
    audit.record(m);
    webhook?.enqueue(m);
  };
  // By name (a strong reference): a subscription on a channel object alone could be collected.
  const channelName = channels.alert.name;
  diagnosticsChannel.subscribe(channelName, onAlert);

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        diagnosticsChannel.unsubscribe(channelName, onAlert);
        await Promise.all([audit.close(), webhook?.close()]);
      })();
      return closing;
    },
  };
}
