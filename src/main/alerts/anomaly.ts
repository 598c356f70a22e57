import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { CounterStore } from '../../storage/ports/counter-store.js';
import type { LedgerStore } from '../../storage/ports/ledger-store.js';
import type { AlertMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { AnomalySettings } from '../settings.js';
import { dollars as usd } from './payload.js';

const DAY_MS = 86_400_000;
const BASELINE_DAYS = 7;

export type SpendDimension = 'team' | 'agent';

export interface DailySpendRow {
  /** The team or agent name. */
  readonly scope: string;
  /** Epoch ms of the UTC day's start. */
  readonly day: number;
  readonly costMicros: number;
}

/** Where the detector reads spend from (the ledger's rollups: see ledgerSpendSource). */
export interface SpendSource {
  /** Spend per scope and UTC day over [fromDay, toDay) (day starts, epoch ms); days without spend may be absent. */
  dailySpend(dimension: SpendDimension, fromDay: number, toDay: number): Promise<readonly DailySpendRow[]>;
}

/** The ledger's hourly rollups grouped by scope and day. Events without a team / agent are skipped. */
export function ledgerSpendSource(ledger: Pick<LedgerStore, 'usage'>, logger?: Logger): SpendSource {
  return {
    async dailySpend(dimension, fromDay, toDay) {
      const result = await ledger.usage({ from: fromDay, to: toDay, groupBy: [dimension, 'day'], limit: 1_000_000 });
      if (result.truncated) logger?.warn({ dimension }, 'spend-anomaly check: too many scopes; some were not checked');
      const rows: DailySpendRow[] = [];
      for (const row of result.rows) {
        const scope = row.dims[dimension];
        if (typeof scope === 'string' && scope !== '') rows.push({ scope, day: Number(row.dims.day), costMicros: row.costMicros });
      }
      return rows;
    },
  };
}

export interface AnomalyDetectorOptions {
  readonly source: SpendSource;
  /** Deduplicates across processes and replicas: one alert per scope and day. */
  readonly counters: Pick<CounterStore, 'claimOnce'>;
  readonly channels: Pick<TelemetryChannels, 'alert'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: { readonly anomaly: AnomalySettings };
}

export interface AnomalyDetector {
  /** One check now; returns the alerts this process published. */
  runOnce(): Promise<AlertMessage[]>;
  /** Stops the timer and waits for a running check. */
  close(): Promise<void>;
}

export interface Anomaly {
  readonly dimension: SpendDimension;
  readonly scope: string;
  readonly todayMicros: number;
  /** Average daily spend over the 7 full UTC days before today (days without spend count as 0). */
  readonly baselineMicros: number;
}

/**
 * The rule (pure): today's spend > factor × baseline and today's spend ≥ the minimum. A scope with no
 * spend in the 7 previous days has no baseline and never alerts.
 */
export function findAnomalies(dimension: SpendDimension, rows: readonly DailySpendRow[], today: number, settings: AnomalySettings): Anomaly[] {
  const history = new Map<string, number>();
  const current = new Map<string, number>();
  for (const row of rows) {
    if (row.day === today) current.set(row.scope, (current.get(row.scope) ?? 0) + row.costMicros);
    else if (row.day >= today - BASELINE_DAYS * DAY_MS && row.day < today) history.set(row.scope, (history.get(row.scope) ?? 0) + row.costMicros);
  }
  const found: Anomaly[] = [];
  for (const [scope, todayMicros] of current) {
    const past = history.get(scope) ?? 0;
    if (past <= 0) continue;
    const baselineMicros = Math.round(past / BASELINE_DAYS);
    if (todayMicros >= settings.minMicros && todayMicros > settings.factor * (past / BASELINE_DAYS)) found.push({ dimension, scope, todayMicros, baselineMicros });
  }
  return found.sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
}

export function anomalyAlert(a: Anomaly, dayStart: number, now: number): AlertMessage {
  const day = new Date(dayStart).toISOString().slice(0, 10);
  const subject = `${a.dimension}:${a.scope}`;
  const ratio = a.baselineMicros > 0 ? (a.todayMicros / a.baselineMicros).toFixed(1) : '∞';
  const who = a.dimension === 'team' ? `Team "${a.scope}"` : `Agent "${a.scope}"`;
  return {
    type: 'spend_anomaly',
    id: `spend_anomaly:${subject}:${day}`,
    at: now,
    subject,
    window: day,
    spentMicros: a.todayMicros,
    referenceMicros: a.baselineMicros,
    summary: `${who} has spent ${usd(a.todayMicros)} so far today (UTC ${day}), ${ratio}× its 7-day daily average of ${usd(a.baselineMicros)}.`,
  };
}

/**
 * Every GANTRY_ANOMALY_INTERVAL_MS, compares each team's and agent's spend so far today (UTC) with
 * its average daily spend over the 7 previous full days and publishes a `spend_anomaly` alert when
 * it is more than GANTRY_ANOMALY_FACTOR times higher (and at least GANTRY_ANOMALY_MIN_USD). Every
 * process runs it; claimOnce on the shared counter store lets one of them alert, once per scope and
 * day. A failed check is logged and tried again at the next interval.
 */
export function createAnomalyDetector(options: AnomalyDetectorOptions): AnomalyDetector {
  const { source, counters, channels, clock, logger } = options;
  const settings = options.settings.anomaly;
  let running: Promise<AlertMessage[]> | undefined;

  async function check(): Promise<AlertMessage[]> {
    const now = clock.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const published: AlertMessage[] = [];
    for (const dimension of ['team', 'agent'] as const) {
      const rows = await source.dailySpend(dimension, today - BASELINE_DAYS * DAY_MS, today + DAY_MS);
      for (const anomaly of findAnomalies(dimension, rows, today, settings)) {
        const alert = anomalyAlert(anomaly, today, now);
        // Kept until the day after: late replicas of the same day still see the claim.
        if (!(await counters.claimOnce(`alert:${alert.id}`, now, today + 2 * DAY_MS - now))) continue;
        channels.alert.publish(alert);
        published.push(alert);
      }
    }
    return published;
  }

  function runOnce(): Promise<AlertMessage[]> {
    running ??= check()
      .catch((err: unknown) => {
        logger.warn({ err }, 'spend-anomaly check failed; will try again at the next interval');
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = settings.intervalMs > 0 ? setInterval(() => void runOnce(), settings.intervalMs) : undefined;
  timer?.unref();

  return {
    runOnce,
    async close() {
      if (timer) clearInterval(timer);
      if (running) await running;
    },
  };
}
