import {
  type AttributionDimension,
  DAY_MS,
  type Dimension,
  HOUR_MS,
  type SpendFilter,
  type UsageExportRow,
  type UsageQuery,
  type UsageRow,
  type UsageSums,
} from '../ports/ledger-store.js';
import { filterTeams, timeDimension } from '../usage-rollups.js';

/**
 * The ledger's read queries, written once for SQLite and Postgres (they differ in placeholders and in
 * how the repo tag is read from the JSON tags). Only fixed column names and numbered placeholders
 * reach the SQL text: every value is a parameter.
 */
export type LedgerDialect = 'sqlite' | 'postgres';

export interface SqlText {
  readonly text: string;
  readonly params: unknown[];
}

const ROLLUP_COLUMN: Record<AttributionDimension, string> = {
  team: 'team',
  user: 'user_name',
  apiKey: 'key_id',
  agent: 'agent',
  workflow: 'workflow',
  repo: 'repo',
  model: 'model',
  provider: 'provider',
  route: 'route',
};

/** In the union of rollup parts, `t` is the bucket start (an hour, or a day of usage_daily). */
function dimExpr(d: Dimension): string {
  if (d === 'hour') return 't';
  if (d === 'day') return `((t / ${DAY_MS}) * ${DAY_MS})`;
  return ROLLUP_COLUMN[d];
}

export interface RollupPart {
  readonly table: 'usage_hourly' | 'usage_daily';
  readonly from: number;
  readonly to: number;
}

/**
 * Which rollups answer [from, to): whole UTC days from usage_daily, the hours before the first and
 * after the last whole day from usage_hourly; hourly only when grouping by hour.
 */
export function rollupParts(from: number, to: number, byHour: boolean): RollupPart[] {
  const firstDay = Math.ceil(from / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(to / DAY_MS) * DAY_MS;
  if (byHour || firstDay >= lastDay) return [{ table: 'usage_hourly', from, to }];
  const parts: RollupPart[] = [];
  if (from < firstDay) parts.push({ table: 'usage_hourly', from, to: firstDay });
  parts.push({ table: 'usage_daily', from: firstDay, to: lastDay });
  if (lastDay < to) parts.push({ table: 'usage_hourly', from: lastDay, to });
  return parts;
}

const PART_COLUMNS = [...Object.values(ROLLUP_COLUMN), 'requests', 'errors', 'input_tokens', 'cached_input_tokens', 'cache_write_input_tokens', 'output_tokens', 'cost_micros', 'savings_micros', 'cache_hits'].join(', ');

function placeholders(dialect: LedgerDialect) {
  const params: unknown[] = [];
  return {
    params,
    add(value: unknown): string {
      params.push(value);
      return dialect === 'postgres' ? `$${params.length}` : '?';
    },
  };
}

const SUMS_SELECT = `SUM(requests) AS s_requests, SUM(errors) AS s_errors, SUM(input_tokens) AS s_input,
  SUM(cached_input_tokens) AS s_cached, SUM(cache_write_input_tokens) AS s_cache_write,
  SUM(output_tokens) AS s_output, SUM(cost_micros) AS s_cost, SUM(savings_micros) AS s_savings, SUM(cache_hits) AS s_cache_hits`;

export interface SumsRow {
  s_requests: number | string | null;
  s_errors: number | string | null;
  s_input: number | string | null;
  s_cached: number | string | null;
  s_cache_write: number | string | null;
  s_output: number | string | null;
  s_cost: number | string | null;
  s_savings: number | string | null;
  s_cache_hits: number | string | null;
}

/** Postgres hands SUM(bigint) back as a numeric string; SQLite as a number; nothing summed: null. */
const num = (v: number | string | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

export function sumsOf(r: SumsRow): UsageSums {
  return {
    requests: num(r.s_requests),
    errors: num(r.s_errors),
    inputTokens: num(r.s_input),
    cachedInputTokens: num(r.s_cached),
    cacheWriteInputTokens: num(r.s_cache_write),
    outputTokens: num(r.s_output),
    costMicros: num(r.s_cost),
    savingsMicros: num(r.s_savings),
    cacheHits: num(r.s_cache_hits),
  };
}

/** The rollup rows of [from, to) matching the filter, as `SELECT t, <key>, <sums>` parts under UNION ALL. */
function rollupSource(q: UsageQuery, from: number, to: number, add: (v: unknown) => string): string {
  const teams = filterTeams(q.filter);
  const parts = rollupParts(from, to, q.groupBy.includes('hour')).map((part) => {
    const bucket = part.table === 'usage_hourly' ? 'hour' : 'day';
    const where = [`${bucket} >= ${add(part.from)}`, `${bucket} < ${add(part.to)}`];
    if (teams !== undefined) where.push(teams.length === 0 ? '1 = 0' : `team IN (${teams.map(add).join(', ')})`);
    for (const [dim, value] of Object.entries(q.filter ?? {})) {
      if (dim === 'team' || typeof value !== 'string') continue;
      const column = ROLLUP_COLUMN[dim as AttributionDimension];
      if (column !== undefined) where.push(`${column} = ${add(value)}`);
    }
    return `SELECT ${bucket} AS t, ${PART_COLUMNS} FROM ${part.table} WHERE ${where.join(' AND ')}`;
  });
  return `(${parts.join(' UNION ALL ')}) AS u`;
}

/** Grouped sums from the rollups; asks for limit + 1 rows so the caller can tell truncation. */
export function usageRowsSql(dialect: LedgerDialect, q: UsageQuery, from: number, to: number, limit: number): SqlText {
  const { params, add } = placeholders(dialect);
  const source = rollupSource(q, from, to, add);
  const dims = q.groupBy.map((d, i) => `${dimExpr(d)} AS d${i}`);
  const select = [...dims, SUMS_SELECT].join(', ');
  const time = timeDimension(q.groupBy);
  const order = [...(time ? [`d${q.groupBy.indexOf(time)}`] : []), 's_cost DESC', ...q.groupBy.map((_, i) => `d${i}`)];
  const group = q.groupBy.length > 0 ? ` GROUP BY ${q.groupBy.map((_, i) => `d${i}`).join(', ')}` : '';
  const text = `SELECT ${select} FROM ${source}${group} ORDER BY ${order.join(', ')} LIMIT ${add(limit + 1)}`;
  return { text, params };
}

export function usageTotalsSql(dialect: LedgerDialect, q: UsageQuery, from: number, to: number): SqlText {
  const { params, add } = placeholders(dialect);
  return { text: `SELECT ${SUMS_SELECT} FROM ${rollupSource(q, from, to, add)}`, params };
}

/** A rollup result row (d0…dn plus sums) → UsageRow; '' → null, time buckets → numbers. */
export function toUsageRow(groupBy: readonly Dimension[], r: SumsRow & Record<string, unknown>): UsageRow {
  const dims: Partial<Record<Dimension, string | number | null>> = {};
  groupBy.forEach((d, i) => {
    const v = r[`d${i}`];
    if (d === 'hour' || d === 'day') dims[d] = Number(v);
    else dims[d] = v === '' || v === null || v === undefined ? null : String(v);
  });
  return { dims, ...sumsOf(r) };
}

const repoExpr = (dialect: LedgerDialect) => (dialect === 'postgres' ? `(tags ->> 'repo')` : `json_extract(tags, '$.repo')`);

/** Raw events of [from, to) grouped per hour × attribution × price version (the FOCUS rows). */
export function exportRowsSql(dialect: LedgerDialect, from: number, to: number, teams: readonly string[] | undefined): SqlText {
  const { params, add } = placeholders(dialect);
  const where = [`ts >= ${add(from)}`, `ts < ${add(to)}`];
  if (teams !== undefined) where.push(teams.length === 0 ? '1 = 0' : `team IN (${teams.map(add).join(', ')})`);
  // Bytewise order on both databases (Postgres would otherwise sort by the database's locale).
  const collate = dialect === 'postgres' ? ' COLLATE "C"' : '';
  const keys = ['team', 'user_name', 'key_id', 'agent', 'workflow', 'run', 'repo', 'model', 'provider', 'price_version'];
  const text = `SELECT ((ts / ${HOUR_MS}) * ${HOUR_MS}) AS hour, team, user_name, key_id, agent, workflow, run, ${repoExpr(dialect)} AS repo,
      model, provider, price_version, COUNT(*) AS s_requests, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS s_errors,
      SUM(input_tokens) AS s_input, SUM(cached_input_tokens) AS s_cached, SUM(cache_write_input_tokens) AS s_cache_write,
      SUM(output_tokens) AS s_output, SUM(cost_micros) AS s_cost, SUM(savings_micros) AS s_savings,
      SUM(CASE WHEN cache_status IN ('hit', 'semantic_hit', 'stale_hit') THEN 1 ELSE 0 END) AS s_cache_hits
    FROM usage_events WHERE ${where.join(' AND ')}
    GROUP BY 1, ${keys.map((_, i) => i + 2).join(', ')}
    ORDER BY 1, ${keys.map((k) => `COALESCE(${k === 'repo' ? repoExpr(dialect) : k}, '')${collate}`).join(', ')}`;
  return { text, params };
}

export interface ExportSqlRow extends SumsRow {
  hour: number | string;
  team: string;
  user_name: string | null;
  key_id: string;
  agent: string | null;
  workflow: string | null;
  run: string | null;
  repo: string | null;
  model: string;
  provider: string | null;
  price_version: string;
}

export function toExportRow(r: ExportSqlRow): UsageExportRow {
  return {
    hour: Number(r.hour),
    team: r.team,
    user: r.user_name,
    keyId: r.key_id,
    agent: r.agent,
    workflow: r.workflow,
    run: r.run,
    repo: r.repo,
    model: r.model,
    provider: r.provider,
    priceVersion: r.price_version,
    ...sumsOf(r),
  };
}

const SPEND_COLUMN: Record<Exclude<keyof SpendFilter, 'from' | 'to' | 'tags'>, string> = {
  team: 'team',
  agent: 'agent',
  keyId: 'key_id',
  user: 'user_name',
  workflow: 'workflow',
  run: 'run',
  model: 'model',
};

/** Cost of the raw events matching a filter (`s_cost`). */
export function spendSql(dialect: LedgerDialect, f: SpendFilter): SqlText {
  const { params, add } = placeholders(dialect);
  const where = [`ts >= ${add(f.from)}`, `ts < ${add(f.to)}`];
  for (const [key, column] of Object.entries(SPEND_COLUMN)) {
    const value = f[key as keyof typeof SPEND_COLUMN];
    if (value !== undefined) where.push(`${column} = ${add(value)}`);
  }
  for (const [k, v] of Object.entries(f.tags ?? {})) {
    where.push(
      dialect === 'postgres'
        ? `(tags ->> ${add(k)}) = ${add(v)}`
        : `EXISTS (SELECT 1 FROM json_each(usage_events.tags) WHERE json_each.key = ${add(k)} AND json_each.value = ${add(v)})`,
    );
  }
  return { text: `SELECT COALESCE(SUM(cost_micros), 0) AS s_cost FROM usage_events WHERE ${where.join(' AND ')}`, params };
}
