import diagnosticsChannel from 'node:diagnostics_channel';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { silentLogger } from '../../kernel/logger.js';
import { usageEvent } from '../../storage/contract/usage-event.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { openSqlite } from '../../storage/sqlite/database.js';
import { createSqliteLedgerStore } from '../../storage/sqlite/ledger-store.js';
import type { CounterStore } from '../../storage/ports/counter-store.js';
import { type AlertMessage, CHANNEL_NAMES, telemetryChannels } from '../../telemetry/channels.js';
import type { AnomalySettings } from '../settings.js';
import { createAnomalyDetector, type DailySpendRow, ledgerSpendSource, type SpendSource } from './anomaly.js';

const DAY = 86_400_000;
const TODAY = Date.UTC(2026, 10, 20);
const NOON = TODAY + 12 * 3_600_000;
const USD = 1_000_000;
const SETTINGS: AnomalySettings = { intervalMs: 0, factor: 3, minMicros: 1 * USD };

/** A counter store's claimOnce shared by "replicas" (keys live until now + ttl). */
function sharedClaims(): Pick<CounterStore, 'claimOnce'> {
  const claims = new Map<string, number>();
  return {
    async claimOnce(key, now, ttlMs) {
      const until = claims.get(key);
      if (until !== undefined && until > now) return false;
      claims.set(key, now + ttlMs);
      return true;
    },
  };
}

/** Seven days of history at `perDay` and today's spend, for one scope. */
function history(scope: string, perDay: number, today: number, days = 7): DailySpendRow[] {
  const rows: DailySpendRow[] = [];
  for (let d = 1; d <= days; d++) rows.push({ scope, day: TODAY - d * DAY, costMicros: perDay });
  if (today > 0) rows.push({ scope, day: TODAY, costMicros: today });
  return rows;
}

function sourceOf(byDimension: { team?: DailySpendRow[]; agent?: DailySpendRow[] }): SpendSource & { calls: Array<[string, number, number]> } {
  const calls: Array<[string, number, number]> = [];
  return {
    calls,
    async dailySpend(dimension, from, to) {
      calls.push([dimension, from, to]);
      return (byDimension[dimension] ?? []).filter((r) => r.day >= from && r.day < to);
    },
  };
}

const clockAt = (ms: { now: number }): Clock => ({ now: () => ms.now, monotonic: () => 0 });

const received: AlertMessage[] = [];
const onAlert = (m: unknown) => received.push(m as AlertMessage);
diagnosticsChannel.subscribe(CHANNEL_NAMES.alert, onAlert);
afterEach(() => {
  received.length = 0;
});

function detector(source: SpendSource, claims = sharedClaims(), time = { now: NOON }, settings = SETTINGS, logger: Logger = silentLogger) {
  return createAnomalyDetector({ source, counters: claims, channels: telemetryChannels(), clock: clockAt(time), logger, settings: { anomaly: settings } });
}

describe('spend-anomaly detector', () => {
  it('alerts when today is above factor × the 7-day daily average and above the minimum', async () => {
    const source = sourceOf({ team: [...history('team-a', 1 * USD, 5 * USD), ...history('team-b', 1 * USD, 2 * USD)] });
    const alerts = await detector(source).runOnce();
    expect(alerts).toEqual([
      {
        type: 'spend_anomaly',
        id: 'spend_anomaly:team:team-a:2026-11-20',
        at: NOON,
        subject: 'team:team-a',
        window: '2026-11-20',
        spentMicros: 5 * USD,
        referenceMicros: 1 * USD,
        summary: 'Team "team-a" has spent $5.00 so far today (UTC 2026-11-20), 5.0× its 7-day daily average of $1.00.',
      },
    ]);
    expect(received).toEqual(alerts);
    // Today and the 7 full days before it, for teams and agents.
    expect(source.calls).toEqual([
      ['team', TODAY - 7 * DAY, TODAY + DAY],
      ['agent', TODAY - 7 * DAY, TODAY + DAY],
    ]);
  });

  it('does not alert at exactly the factor, below the minimum, or without history', async () => {
    const source = sourceOf({
      team: [
        ...history('at-factor', 1 * USD, 3 * USD),
        ...history('small', 100_000, 900_000), // 9× but only $0.90
        { scope: 'new-team', day: TODAY, costMicros: 50 * USD },
        { scope: 'old-team', day: TODAY - 8 * DAY, costMicros: 1 * USD }, // outside the 7 days
        { scope: 'old-team', day: TODAY, costMicros: 50 * USD },
      ],
    });
    expect(await detector(source).runOnce()).toEqual([]);
    expect(received).toEqual([]);
  });

  it('averages over 7 days, counting days without spend as zero', async () => {
    // $7 on one day of the 7 → $1/day average → $3.50 today is an anomaly at factor 3.
    const source = sourceOf({ agent: [{ scope: 'bot', day: TODAY - 3 * DAY, costMicros: 7 * USD }, { scope: 'bot', day: TODAY, costMicros: 3_500_000 }] });
    const alerts = await detector(source).runOnce();
    expect(alerts.map((a) => [a.subject, a.referenceMicros, a.spentMicros])).toEqual([['agent:bot', 1 * USD, 3_500_000]]);
    expect(alerts[0]!.summary).toContain('Agent "bot"');
  });

  it('alerts once per scope and day across replicas, and again the next day', async () => {
    const claims = sharedClaims();
    const time = { now: NOON };
    const rows = history('team-a', 1 * USD, 10 * USD);
    const replicaA = detector(sourceOf({ team: rows }), claims, time);
    const replicaB = detector(sourceOf({ team: rows }), claims, time);
    expect(await replicaA.runOnce()).toHaveLength(1);
    expect(await replicaB.runOnce()).toHaveLength(0);
    time.now += 3_600_000;
    expect(await replicaA.runOnce()).toHaveLength(0);
    expect(received).toHaveLength(1);

    time.now = NOON + DAY;
    const tomorrow = rows.map((r) => ({ ...r, day: r.day + DAY }));
    const next = await detector(sourceOf({ team: tomorrow }), claims, time).runOnce();
    expect(next.map((a) => a.id)).toEqual(['spend_anomaly:team:team-a:2026-11-21']);
  });

  it('a failing spend source or counter store is logged and retried next time, never thrown', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_o: object | string, msg?: string) => void warnings.push(String(msg)), child: () => logger };
    const broken: SpendSource = { dailySpend: () => Promise.reject(new Error('ledger down')) };
    expect(await detector(broken, sharedClaims(), { now: NOON }, SETTINGS, logger).runOnce()).toEqual([]);
    const claimsDown: Pick<CounterStore, 'claimOnce'> = { claimOnce: () => Promise.reject(new Error('redis down')) };
    expect(await detector(sourceOf({ team: history('t', USD, 9 * USD) }), claimsDown, { now: NOON }, SETTINGS, logger).runOnce()).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(received).toEqual([]);
  });

  it('runs on its interval', async () => {
    const source = sourceOf({ team: history('team-a', USD, 9 * USD) });
    const d = createAnomalyDetector({
      source,
      counters: sharedClaims(),
      channels: telemetryChannels(),
      clock: { now: () => NOON, monotonic: () => 0 },
      logger: silentLogger,
      settings: { anomaly: { ...SETTINGS, intervalMs: 20 } },
    });
    try {
      const end = Date.now() + 2_000;
      while (received.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(received.map((a) => a.id)).toEqual(['spend_anomaly:team:team-a:2026-11-20']);
    } finally {
      await d.close();
    }
  });
});

describe('ledgerSpendSource', () => {
  it.each([
    ['memory', () => createMemoryLedgerStore()],
    ['sqlite', () => createSqliteLedgerStore(openSqlite(join(mkdtempSync(join(tmpdir(), 'gantry-anomaly-')), 'gantry.db')))],
  ])('reads spend per scope and UTC day from the ledger rollups (%s)', async (_name, open) => {
    const ledger = open();
    await ledger.appendBatch([
      usageEvent({ requestId: 'r1', ts: TODAY - 2 * DAY + 5_000, team: 'team-a', agent: 'bot', costMicros: 100 }),
      usageEvent({ requestId: 'r2', ts: TODAY - 2 * DAY + 7_200_000, team: 'team-a', agent: undefined, costMicros: 50 }),
      usageEvent({ requestId: 'r3', ts: TODAY + 1_000, team: 'team-b', agent: 'bot', costMicros: 7 }),
      usageEvent({ requestId: 'r4', ts: TODAY - 9 * DAY, team: 'team-a', costMicros: 1_000 }),
    ]);
    const source = ledgerSpendSource(ledger);
    const teams = await source.dailySpend('team', TODAY - 7 * DAY, TODAY + DAY);
    expect([...teams].sort((a, b) => a.day - b.day)).toEqual([
      { scope: 'team-a', day: TODAY - 2 * DAY, costMicros: 150 },
      { scope: 'team-b', day: TODAY, costMicros: 7 },
    ]);
    const agents = await source.dailySpend('agent', TODAY - 7 * DAY, TODAY + DAY);
    expect([...agents].sort((a, b) => a.day - b.day)).toEqual([
      { scope: 'bot', day: TODAY - 2 * DAY, costMicros: 100 },
      { scope: 'bot', day: TODAY, costMicros: 7 },
    ]);
  });
});
