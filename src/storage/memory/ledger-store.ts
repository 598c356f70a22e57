import type { UsageEvent } from '../../kernel/types.js';
import type { LedgerStore } from '../ports/ledger-store.js';

/** In-memory ledger for tests and ephemeral runs. */
export function createMemoryLedgerStore(): LedgerStore {
  const events = new Map<string, UsageEvent>();
  return {
    async appendBatch(batch) {
      for (const e of batch) if (!events.has(e.requestId)) events.set(e.requestId, e);
    },
    async recent(limit) {
      return [...events.values()].sort((a, b) => b.ts - a.ts).slice(0, limit);
    },
    async get(requestId) {
      return events.get(requestId);
    },
    async totals() {
      let costMicros = 0;
      for (const e of events.values()) costMicros += e.costMicros;
      return { events: events.size, costMicros };
    },
    async spendByAgent(agents) {
      const wanted = new Set(agents);
      const out = new Map<string, number>();
      for (const e of events.values()) if (e.agent !== undefined && wanted.has(e.agent)) out.set(e.agent, (out.get(e.agent) ?? 0) + e.costMicros);
      return out;
    },
  };
}
