import type pg from 'pg';
import type { UsageEvent } from '../../kernel/types.js';
import type { DriftStore } from '../ports/drift-store.js';
import { hourRange, type LedgerStore } from '../ports/ledger-store.js';
import { DEFAULT_USAGE_LIMIT, dayChunks, ROLLUP_KEY_COLUMNS, ROLLUP_SUM_COLUMNS, rollupRows } from '../usage-rollups.js';
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
} from './ledger-queries.js';
import { EVENT_COLUMNS, type EventRow, eventFromRow, pushEventValues } from './ledger-events.js';
import { inTransaction, openMigratedPool } from './pg-pool.js';
import { createPostgresDriftStore } from './postgres-drift-store.js';
import { chunked } from './plan.js';

export interface PostgresLedgerStoreOptions {
  readonly url: string;
  /** Tables live in this schema (created by the resource store, or here if missing). */
  readonly schema?: string;
  readonly maxConnections?: number;
}

export interface PostgresLedgerStore extends LedgerStore {
  /** Agent drift findings in the same schema, on the ledger's pool (released by close()). */
  readonly drift: DriftStore;
}

/** Rows per INSERT: 28 parameters each stays far below Postgres' 65,535 per statement. */
const EVENTS_PER_STATEMENT = 500;
const ROLLUPS_PER_STATEMENT = 1000;

function valuesList(rows: number, columns: number): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) out.push(`(${Array.from({ length: columns }, (_, c) => `$${r * columns + c + 1}`).join(', ')})`);
  return out.join(', ');
}

const upsertRollups = (table: string, bucket: string, rows: number) => {
  const columns = [bucket, ...ROLLUP_KEY_COLUMNS, ...ROLLUP_SUM_COLUMNS];
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${valuesList(rows, columns.length)}
   ON CONFLICT (${[bucket, ...ROLLUP_KEY_COLUMNS].join(', ')}) DO UPDATE SET ${ROLLUP_SUM_COLUMNS.map((c) => `${c} = ${table}.${c} + EXCLUDED.${c}`).join(', ')}`;
};

/**
 * The shared ledger for replicas: usage_events plus the hourly and daily rollups, in the same schema
 * as the resources. An append inserts events (ON CONFLICT DO NOTHING RETURNING request_id), then adds
 * exactly the returned ones to the rollups, in one transaction: a re-appended request id counts
 * nowhere twice. Rows are written in key order, so concurrent replicas never deadlock on each other.
 */
export async function openPostgresLedgerStore(options: PostgresLedgerStoreOptions): Promise<PostgresLedgerStore> {
  const { pool, db } = await openMigratedPool({
    url: options.url,
    schema: options.schema,
    max: options.maxConnections ?? 4,
    applicationName: 'gantry-ledger',
    queryTimeoutMs: 60_000,
  });
  const query = async <T extends pg.QueryResultRow>(q: SqlText): Promise<T[]> => (await pool.query<T>(q.text, q.params)).rows;

  async function append(events: readonly UsageEvent[]): Promise<void> {
    // First occurrence wins inside a batch (as in every adapter); sorted ids: one lock order.
    const unique = new Map<string, UsageEvent>();
    for (const e of events) if (!unique.has(e.requestId)) unique.set(e.requestId, e);
    const sorted = [...unique.values()].sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
    await inTransaction(pool, async (client) => {
      const inserted: UsageEvent[] = [];
      for (const part of chunked(sorted, EVENTS_PER_STATEMENT)) {
        const { rows } = await client.query<{ request_id: string }>(
          `INSERT INTO usage_events (${EVENT_COLUMNS.join(', ')}) VALUES ${valuesList(part.length, EVENT_COLUMNS.length)}
           ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
          part.reduce<unknown[]>((out, e) => {
            pushEventValues(out, e, 'bool');
            return out;
          }, []),
        );
        for (const r of rows) inserted.push(unique.get(r.request_id) as UsageEvent);
      }
      for (const [table, bucket] of [['usage_hourly', 'hour'], ['usage_daily', 'day']] as const) {
        for (const part of chunked(rollupRows(inserted, bucket), ROLLUPS_PER_STATEMENT)) await client.query(upsertRollups(table, bucket, part.length), part.flat());
      }
    });
  }

  return {
    async appendBatch(events) {
      if (events.length > 0) await append(events);
    },
    async recent(limit) {
      return (await query<EventRow>({ text: 'SELECT * FROM usage_events ORDER BY ts DESC, request_id DESC LIMIT $1', params: [limit] })).map(eventFromRow);
    },
    async get(requestId) {
      const [row] = await query<EventRow>({ text: 'SELECT * FROM usage_events WHERE request_id = $1', params: [requestId] });
      return row ? eventFromRow(row) : undefined;
    },
    async totals() {
      const [row] = await query<{ events: string; cost: string }>({ text: 'SELECT COUNT(*) AS events, COALESCE(SUM(cost_micros), 0) AS cost FROM usage_events', params: [] });
      return { events: Number(row?.events ?? 0), costMicros: Number(row?.cost ?? 0) };
    },
    async spendByAgent(agents) {
      const out = new Map<string, number>();
      if (agents.length === 0) return out;
      const rows = await query<{ agent: string; micros: string }>({
        text: 'SELECT agent, SUM(cost_micros) AS micros FROM usage_events WHERE agent = ANY($1::text[]) GROUP BY agent',
        params: [[...agents]],
      });
      for (const r of rows) out.set(r.agent, Number(r.micros));
      return out;
    },
    async usage(q) {
      const { from, to } = hourRange(q.from, q.to);
      const limit = q.limit ?? DEFAULT_USAGE_LIMIT;
      // One snapshot for rows and totals: a batch committed in between must not make them disagree.
      const [rows, sums] = await inTransaction(
        pool,
        async (client) => {
          const r = usageRowsSql('postgres', q, from, to, limit);
          const t = usageTotalsSql('postgres', q, from, to);
          return [
            (await client.query<SumsRow & Record<string, unknown>>(r.text, r.params)).rows,
            (await client.query<SumsRow>(t.text, t.params)).rows[0],
          ] as const;
        },
        'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
      );
      const mapped = rows.map((r) => toUsageRow(q.groupBy, r));
      return { from, to, rows: mapped.slice(0, limit), truncated: mapped.length > limit, totals: sumsOf(sums as SumsRow) };
    },
    async *exportRows(from, to, opts = {}) {
      const range = hourRange(from, to);
      for (const day of dayChunks(range.from, range.to)) yield* (await query<ExportSqlRow>(exportRowsSql('postgres', day.from, day.to, opts.teams))).map(toExportRow);
    },
    async spend(filter) {
      const [row] = await query<{ s_cost: string }>(spendSql('postgres', filter));
      return Number(row?.s_cost ?? 0);
    },
    drift: createPostgresDriftStore(pool),
    close: () => db.destroy(),
  };
}
