import { describe, expect, it } from 'vitest';
import { silentLogger } from '../kernel/logger.js';
import { startSpendView } from './spend-view.js';

describe('spend view', () => {
  it('reads a team new to the process at once, not only at the next refresh interval', async () => {
    const asked: string[] = [];
    const ledger = {
      spend: async (f: { team?: string }) => {
        asked.push(f.team ?? '');
        return 5_000_000;
      },
    };
    // An hour between refreshes: only the first sight can trigger the read.
    const view = startSpendView({ ledger, clock: { now: () => Date.UTC(2026, 0, 15) }, logger: silentLogger, refreshMs: 3_600_000 });
    try {
      expect(view.monthToDateMicros('over-budget')).toBe(0);
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      expect(asked[0]).toBe('over-budget');
      expect(view.monthToDateMicros('over-budget')).toBe(5_000_000);
    } finally {
      view.stop();
    }
  });
});
