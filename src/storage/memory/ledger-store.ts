import type { UsageEvent } from '../../kernel/types.js';
import {
  ATTRIBUTION_DIMENSIONS,
  type Dimension,
  hourRange,
  type LedgerStore,
  type UsageExportRow,
  type UsageQuery,
  type UsageRow,
  type UsageSums,
} from '../ports/ledger-store.js';
import { addSums, compareUsageRows, DEFAULT_USAGE_LIMIT, dayOf, filterTeams, hourOf, rollupDims, sumsOfEvent, ZERO_SUMS } from '../usage-rollups.js';

function matches(e: UsageEvent, q: UsageQuery, from: number, to: number): boolean {
  if (e.ts < from || e.ts >= to) return false;
  const teams = filterTeams(q.filter);
  if (teams !== undefined && !teams.includes(e.team)) return false;
  const dims = rollupDims(e);
  for (const d of ATTRIBUTION_DIMENSIONS) {
    if (d === 'team') continue;
    const want = q.filter?.[d];
    if (want !== undefined && dims[d] !== want) return false;
  }
  return true;
}

function dimsOf(e: UsageEvent, groupBy: readonly Dimension[]): Partial<Record<Dimension, string | number | null>> {
  const all = rollupDims(e);
  const out: Partial<Record<Dimension, string | number | null>> = {};
  for (const d of groupBy) {
    if (d === 'hour') out.hour = hourOf(e.ts);
    else if (d === 'day') out.day = dayOf(e.ts);
    else out[d] = all[d] === '' ? null : all[d];
  }
  return out;
}

/** In-memory ledger for tests and ephemeral runs: rollups computed on read from the events. */
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
    async usage(q) {
      const { from, to } = hourRange(q.from, q.to);
      const groups = new Map<string, UsageRow>();
      let totals: UsageSums = ZERO_SUMS;
      for (const e of events.values()) {
        if (!matches(e, q, from, to)) continue;
        const dims = dimsOf(e, q.groupBy);
        const key = JSON.stringify(q.groupBy.map((d) => dims[d]));
        const sums = sumsOfEvent(e);
        const prev = groups.get(key);
        groups.set(key, { dims, ...addSums(prev ?? ZERO_SUMS, sums) });
        totals = addSums(totals, sums);
      }
      const rows = [...groups.values()].sort(compareUsageRows(q.groupBy));
      const limit = q.limit ?? DEFAULT_USAGE_LIMIT;
      return { from, to, rows: rows.slice(0, limit), truncated: rows.length > limit, totals };
    },
    async *exportRows(from, to, opts = {}) {
      const range = hourRange(from, to);
      const groups = new Map<string, UsageExportRow>();
      for (const e of events.values()) {
        if (e.ts < range.from || e.ts >= range.to) continue;
        if (opts.teams !== undefined && !opts.teams.includes(e.team)) continue;
        const row: Omit<UsageExportRow, keyof UsageSums> = {
          hour: hourOf(e.ts),
          team: e.team,
          user: e.user ?? null,
          keyId: e.keyId,
          agent: e.agent ?? null,
          workflow: e.workflow ?? null,
          run: e.run ?? null,
          repo: e.tags.repo ?? null,
          model: e.model,
          provider: e.provider ?? null,
          priceVersion: e.priceVersion,
        };
        const key = JSON.stringify(Object.values(row));
        const prev = groups.get(key);
        groups.set(key, { ...row, ...addSums(prev ?? ZERO_SUMS, sumsOfEvent(e)) });
      }
      const text = (r: UsageExportRow) =>
        [r.team, r.user, r.keyId, r.agent, r.workflow, r.run, r.repo, r.model, r.provider, r.priceVersion].map((v) => v ?? '');
      yield* [...groups.values()].sort((a, b) => {
        if (a.hour !== b.hour) return a.hour - b.hour;
        const x = text(a);
        const y = text(b);
        for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
        return 0;
      });
    },
    async spend(f) {
      let micros = 0;
      for (const e of events.values()) {
        if (e.ts < f.from || e.ts >= f.to) continue;
        if (f.team !== undefined && e.team !== f.team) continue;
        if (f.agent !== undefined && e.agent !== f.agent) continue;
        if (f.keyId !== undefined && e.keyId !== f.keyId) continue;
        if (f.user !== undefined && e.user !== f.user) continue;
        if (f.workflow !== undefined && e.workflow !== f.workflow) continue;
        if (f.run !== undefined && e.run !== f.run) continue;
        if (f.model !== undefined && e.model !== f.model) continue;
        if (f.tags !== undefined && !Object.entries(f.tags).every(([k, v]) => e.tags[k] === v)) continue;
        micros += e.costMicros;
      }
      return micros;
    },
  };
}
