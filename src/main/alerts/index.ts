import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { CounterStore } from '../../storage/ports/counter-store.js';
import type { LedgerStore } from '../../storage/ports/ledger-store.js';
import type { ResourceStore } from '../../storage/ports/resource-store.js';
import type { TelemetryChannels } from '../../telemetry/channels.js';
import type { AlertWebhookFailure } from '../../telemetry/prometheus/metrics.js';
import type { Settings } from '../settings.js';
import { createAlertDelivery } from './alert-delivery.js';
import { createAnomalyDetector, ledgerSpendSource } from './anomaly.js';

export { type AlertDelivery, type AlertDeliveryOptions, createAlertDelivery } from './alert-delivery.js';
export { type AnomalyDetector, createAnomalyDetector, ledgerSpendSource, type SpendSource } from './anomaly.js';

export interface AlertsOptions {
  readonly channels: Pick<TelemetryChannels, 'alert'>;
  readonly store: Pick<ResourceStore, 'commit'>;
  readonly ledger: Pick<LedgerStore, 'usage'>;
  readonly counters: Pick<CounterStore, 'claimOnce'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: Pick<Settings, 'alertWebhook' | 'anomaly'>;
  readonly onWebhookFailure?: (reason: AlertWebhookFailure) => void;
  readonly userAgent?: string;
}

export interface Alerts {
  /** Stop the detector first (it publishes), then flush the audit entries and the webhook queue. */
  close(): Promise<void>;
}

/** Alert delivery (audit + webhook) and the spend-anomaly detector, as the gateway runs them. */
export function startAlerts(options: AlertsOptions): Alerts {
  const logger = options.logger.child({ component: 'alerts' });
  const delivery = createAlertDelivery({
    channels: options.channels,
    store: options.store,
    clock: options.clock,
    logger,
    settings: options.settings,
    ...(options.onWebhookFailure ? { onWebhookFailure: options.onWebhookFailure } : {}),
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  const detector = createAnomalyDetector({
    source: ledgerSpendSource(options.ledger, logger),
    counters: options.counters,
    channels: options.channels,
    clock: options.clock,
    logger,
    settings: options.settings,
  });
  return {
    async close() {
      await detector.close();
      await delivery.close();
    },
  };
}
