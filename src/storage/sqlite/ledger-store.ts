import type { Database } from 'better-sqlite3';
import type { UsageEvent } from '../../kernel/types.js';
import { HOUR_MS, hourRange, type LedgerStore } from '../ports/ledger-store.js';
import {
  type ExportSqlRow,
  exportRowsSql,
  type SqlText,
  type SumsRow,
  spendSql,
  sumsOf,
  toExportRow,
  toUsageRow,
  usageRowsSql,
  usageTotalsSql,
} from '../sql/ledger-queries.js';
import { EVENT_COLUMNS, type EventRow, eventFromRow, pushEventValues } from '../sql/ledger-events.js';
import { DEFAULT_USAGE_LIMIT, ROLLUP_KEY_COLUMNS, ROLLUP_SUM_COLUMNS, rollupRows } from '../usage-rollups.js';

const pushRow = (out: unknown[], e: UsageEvent) => pushEventValues(out, e, 'int');

/**
 * The embedded ledger on better-sqlite3. An append inserts events (INSERT OR IGNORE … RETURNING: a
 * re-appended request id comes back from nowhere) and adds exactly the inserted ones, summed per key
 * in memory, to the hourly and daily rollups, all in one transaction. Grouped usage reads the
 * rollups; the export and spend read raw events.
 */
export function createSqliteLedgerStore(db: Database): LedgerStore {
  // Positional parameters and multi-row statements: per row, binding an array is markedly cheaper
  // than named parameters, and one statement per 32 rows saves most native round trips.
  const ROWS_PER_STATEMENT = 32;
  const valuesClause = (rows: number, columns: number) => Array(rows).fill(`(${Array(columns).fill('?').join(', ')})`).join(', ');
  const insertSql = (rows: number) =>
    `INSERT OR IGNORE INTO usage_events (${EVENT_COLUMNS.join(', ')}) VALUES ${valuesClause(rows, EVENT_COLUMNS.length)} RETURNING request_id`;
  const insertOne = db.prepare(insertSql(1)).pluck();
  const insertMany = db.prepare(insertSql(ROWS_PER_STATEMENT)).pluck();
  const upsertSql = (table: string, bucket: string, rows: number) => {
    const columns = [bucket, ...ROLLUP_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS];
    return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesClause(rows, columns.length)}
      ON CONFLICT DO UPDATE SET ${ROLLUP_SUM_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
  };
  const upserts = {
    hour: { one: db.prepare(upsertSql('usage_hourly', 'hour', 1)), many: db.prepare(upsertSql('usage_hourly', 'hour', ROWS_PER_STATEMENT)) },
    day: { one: db.prepare(upsertSql('usage_daily', 'day', 1)), many: db.prepare(upsertSql('usage_daily', 'day', ROWS_PER_STATEMENT)) },
  };
  /** Runs `one`/`many` over rows, 32 per statement; `many` returns what each statement returned. */
  function inChunks<T, R>(rows: readonly T[], push: (out: unknown[], row: T) => void, run: (params: unknown[], many: boolean) => R): R[] {
    const results: R[] = [];
    let i = 0;
    for (; i + ROWS_PER_STATEMENT <= rows.length; i += ROWS_PER_STATEMENT) {
      const params: unknown[] = [];
      for (let j = i; j < i + ROWS_PER_STATEMENT; j++) push(params, rows[j] as T);
      results.push(run(params, true));
    }
    for (; i < rows.length; i++) {
      const params: unknown[] = [];
      push(params, rows[i] as T);
      results.push(run(params, false));
    }
    return results;
  }
  const flat = (out: unknown[], row: readonly unknown[]) => {
    for (const v of row) out.push(v);
  };
  const appendAll = db.transaction((events: readonly UsageEvent[]) => {
    const ids = inChunks(events, pushRow, (params, many) => (many ? insertMany : insertOne).all(params) as string[]);
    let inserted: readonly UsageEvent[] = events;
    const count = ids.reduce((n, part) => n + part.length, 0);
    if (count < events.length) {
      // Some were in the ledger already (a replay, a retried batch): roll up only the new ones, and
      // of a request id twice in this batch only the first (the one INSERT OR IGNORE kept).
      const fresh = new Set(ids.flat());
      inserted = events.filter((e) => fresh.delete(e.requestId));
    }
    for (const bucket of ['hour', 'day'] as const) {
      const stmt = upserts[bucket];
      inChunks(rollupRows(inserted, bucket), flat, (params, many) => (many ? stmt.many : stmt.one).run(params));
    }
  });
  const recent = db.prepare('SELECT * FROM usage_events ORDER BY ts DESC, rowid DESC LIMIT ?');
  const byId = db.prepare('SELECT * FROM usage_events WHERE request_id = ?');
  const totals = db.prepare('SELECT COUNT(*) AS events, COALESCE(SUM(cost_micros), 0) AS costMicros FROM usage_events');
  const all = <T>(q: SqlText): T[] => db.prepare(q.text).all(...q.params) as T[];

  return {
    async appendBatch(events) {
      if (events.length > 0) appendAll(events);
    },
    async recent(limit) {
      return (recent.all(limit) as EventRow[]).map(eventFromRow);
    },
    async get(requestId) {
      const row = byId.get(requestId) as EventRow | undefined;
      return row ? eventFromRow(row) : undefined;
    },
    async totals() {
      return totals.get() as { events: number; costMicros: number };
    },
    async spendByAgent(agents) {
      const out = new Map<string, number>();
      // Bounded IN lists: a page of agents is at most 1,000 names.
      for (let i = 0; i < agents.length; i += 500) {
        const part = agents.slice(i, i + 500);
        const rows = db
          .prepare(`SELECT agent, SUM(cost_micros) AS micros FROM usage_events WHERE agent IN (${part.map(() => '?').join(',')}) GROUP BY agent`)
          .all(...part) as { agent: string; micros: number }[];
        for (const r of rows) out.set(r.agent, r.micros);
      }
      return out;
    },
    async usage(q) {
      const { from, to } = hourRange(q.from, q.to);
      const limit = q.limit ?? DEFAULT_USAGE_LIMIT;
      // One read transaction (one WAL snapshot) for rows and totals: a batch another process commits
      // in between must not make them disagree.
      const [raw, [sums]] = db.transaction(() => [
        all<SumsRow & Record<string, unknown>>(usageRowsSql('sqlite', q, from, to, limit)),
        all<SumsRow>(usageTotalsSql('sqlite', q, from, to)),
      ] as const)();
      const rows = raw.map((r) => toUsageRow(q.groupBy, r));
      return { from, to, rows: rows.slice(0, limit), truncated: rows.length > limit, totals: sumsOf(sums as SumsRow) };
    },
    async *exportRows(from, to, opts = {}) {
      const range = hourRange(from, to);
      for (let hour = range.from; hour < range.to; hour += HOUR_MS) {
        // One hour per query, read whole: a statement left iterating would keep this connection busy
        // and stop the batch writer from appending meanwhile. The query is synchronous: an hour (not a
        // day, seconds of grouping on a busy ledger) at a time, and the event loop gets a turn between
        // hours, so an export never stalls the requests this process serves.
        yield* all<ExportSqlRow>(exportRowsSql('sqlite', hour, hour + HOUR_MS, opts.teams)).map(toExportRow);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
    async spend(filter) {
      const [row] = all<{ s_cost: number }>(spendSql('sqlite', filter));
      return row?.s_cost ?? 0;
    },
  };
}
