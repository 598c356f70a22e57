import { describe, expect, it } from 'vitest';
import type { LedgerStore } from '../ports/ledger-store.js';
import { ledgerUsageContract } from './ledger-usage.contract.js';
import { usageEvent } from './usage-event.js';

export { usageEvent };

/** The behaviour every LedgerStore adapter must have. */
export function describeLedgerStoreContract(name: string, make: () => Promise<LedgerStore> | LedgerStore): void {
  describe(`LedgerStore contract: ${name}`, () => {
    it('round-trips every field of an event', async () => {
      const store = await make();
      const e = usageEvent();
      await store.appendBatch([e]);
      expect(await store.get('req_1')).toEqual(e);
      const failed = usageEvent({
        requestId: 'req_2',
        ttftMs: undefined,
        errorCode: 'GW_UPSTREAM_ERROR',
        upstreamStatus: 500,
        outcome: 'upstream_error',
        agent: undefined,
        user: undefined,
        savingsMicros: 0,
        servedModel: undefined,
        routeReason: undefined,
        cache: undefined,
        attempts: undefined,
        policy: undefined,
        guardrails: undefined,
      });
      await store.appendBatch([failed]);
      expect(await store.get('req_2')).toEqual(failed);
    });

    it('ignores a re-appended request id (idempotent batches)', async () => {
      const store = await make();
      await store.appendBatch([usageEvent()]);
      await store.appendBatch([usageEvent({ costMicros: 999 })]);
      expect(await store.totals()).toEqual({ events: 1, costMicros: 21 });
    });

    it('writes large batches whole, every row intact, duplicates inside a batch ignored', async () => {
      const store = await make();
      const events = Array.from({ length: 75 }, (_, i) =>
        usageEvent({ requestId: `big-${i}`, ts: i, costMicros: i, agent: i % 2 ? undefined : `agent-${i}`, tags: { n: String(i) } }),
      );
      await store.appendBatch([...events, usageEvent({ requestId: 'big-3', costMicros: 1_000_000 })]);
      expect(await store.totals()).toEqual({ events: 75, costMicros: (74 * 75) / 2 });
      expect(await store.get('big-40')).toEqual(events[40]);
      expect(await store.get('big-73')).toEqual(events[73]);
      expect(await store.get('big-3')).toEqual(events[3]);
    });

    it('lists recent events newest first and sums cost', async () => {
      const store = await make();
      await store.appendBatch([
        usageEvent({ requestId: 'a', ts: 1, costMicros: 5 }),
        usageEvent({ requestId: 'b', ts: 3, costMicros: 7 }),
        usageEvent({ requestId: 'c', ts: 2, costMicros: 11 }),
      ]);
      expect((await store.recent(2)).map((e) => e.requestId)).toEqual(['b', 'c']);
      expect(await store.totals()).toEqual({ events: 3, costMicros: 23 });
      expect(await store.get('nope')).toBeUndefined();
    });

    it('sums spend per agent, only for the agents asked', async () => {
      const store = await make();
      await store.appendBatch([
        usageEvent({ requestId: 's1', agent: 'triage', costMicros: 5 }),
        usageEvent({ requestId: 's2', agent: 'triage', costMicros: 7 }),
        usageEvent({ requestId: 's3', agent: 'other', costMicros: 11 }),
        usageEvent({ requestId: 's4', agent: undefined, costMicros: 13 }),
      ]);
      const spend = await store.spendByAgent(['triage', 'missing']);
      expect([...spend]).toEqual([['triage', 12]]);
    });

    ledgerUsageContract(make);
  });
}
