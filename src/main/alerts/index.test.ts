import { describe, expect, it } from 'vitest';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import { usageEvent } from '../../storage/contract/usage-event.js';
import { createMemoryLedgerStore } from '../../storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../storage/memory/resource-store.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { startAlerts } from './index.js';

const DAY = 86_400_000;

describe('startAlerts', () => {
  it('a spend anomaly found in the ledger ends up in the audit log, once', async () => {
    const now = Date.now();
    const today = Math.floor(now / DAY) * DAY;
    const ledger = createMemoryLedgerStore();
    await ledger.appendBatch([
      ...Array.from({ length: 7 }, (_, d) => usageEvent({ requestId: `h${d}`, ts: today - (d + 1) * DAY + 60_000, team: 'team-a', agent: undefined, costMicros: 1_000_000 })),
      usageEvent({ requestId: 'today', ts: today + 1_000, team: 'team-a', agent: undefined, costMicros: 10_000_000 }),
    ]);
    const store = createMemoryResourceStore();
    const claimed = new Set<string>();
    const alerts = startAlerts({
      channels: telemetryChannels(),
      store,
      ledger,
      counters: { claimOnce: async (key) => {
          if (claimed.has(key)) return false;
          claimed.add(key);
          return true;
        } },
      clock: systemClock,
      logger: silentLogger,
      settings: { alertWebhook: undefined, anomaly: { intervalMs: 20, factor: 3, minMicros: 1_000_000 } },
    });
    try {
      await new Promise((r) => setTimeout(r, 200)); // several detector runs
    } finally {
      await alerts.close();
    }
    const entries = await store.listAudit(0, 10);
    expect(entries.map((e) => [e.action, e.kind, e.name])).toEqual([['alert.spend_anomaly', 'Team', 'team-a']]);
    expect(entries[0]!.after).toMatchObject({ spentMicros: 10_000_000, referenceMicros: 1_000_000 });
  });
});
