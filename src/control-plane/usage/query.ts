import { GatewayError } from '../../kernel/errors/index.js';
import { ATTRIBUTION_DIMENSIONS, type AttributionDimension, DAY_MS, DIMENSIONS, type Dimension } from '../../storage/ports/ledger-store.js';

/** What `GET /usage` and `GET /usage/export` were asked, checked (errors name the parameter). */
export interface UsageParams {
  readonly from: number;
  readonly to: number;
  readonly groupBy: Dimension[];
  /** Attribution filters; `team` is a list (`team=a,b`). */
  readonly filter: Partial<Record<Exclude<AttributionDimension, 'team'>, string>>;
  readonly teams: string[] | undefined;
  readonly limit: number;
}

export const DEFAULT_RANGE_MS = 30 * DAY_MS;
/** Ranges up to ~10 years: a typo like `from=0` still answers quickly from the rollups. */
const MAX_RANGE_MS = 3660 * DAY_MS;
export const DEFAULT_ROW_LIMIT = 1000;
export const MAX_ROW_LIMIT = 10_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/**
 * An ISO 8601 date or date-time as epoch ms, read field by field: no zone means UTC (never the
 * server's local time), and a date that does not exist (2026-02-30) is refused, not rolled over.
 */
function isoMs(value: string): number {
  const m = ISO.exec(value);
  if (!m) return Number.NaN;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v)));
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(year as number, (month as number) - 1, day as number, hour, minute, second, ms);
  const d = new Date(utc);
  const real = d.getUTCFullYear() === year && d.getUTCMonth() + 1 === month && d.getUTCDate() === day && d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
  if (!real) return Number.NaN;
  const zone = m[8];
  if (zone === undefined || zone.toUpperCase() === 'Z') return utc;
  const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
  if (zh > 23 || zm > 59) return Number.NaN;
  return utc - (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm) * 60_000;
}

/** An ISO 8601 date or date-time (no zone: UTC) or epoch milliseconds; undefined when absent. */
export function parseTime(raw: string | null, name: string): number | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const value = raw.trim();
  const ms = /^\d+$/.test(value) ? Number(value) : isoMs(value);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new GatewayError('GW_REQUEST_INVALID', `${name} must be an ISO 8601 date or time (2026-11-01, 2026-11-01T09:00:00Z) or epoch milliseconds; got "${value.slice(0, 60)}".`, { param: name });
  }
  return ms;
}

export function parseGroupBy(raw: string | null): Dimension[] {
  if (raw === null || raw.trim() === '') return [];
  const out: Dimension[] = [];
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(DIMENSIONS as readonly string[]).includes(part)) {
      throw new GatewayError('GW_REQUEST_INVALID', `groupBy: "${part.slice(0, 40)}" is not a dimension; use any of ${DIMENSIONS.join(', ')}.`, { param: 'groupBy' });
    }
    if (!out.includes(part as Dimension)) out.push(part as Dimension);
  }
  return out;
}

/** The query parameters parseUsageParams reads, for the OpenAPI document. */
export const USAGE_QUERY: Readonly<Record<string, { readonly description: string; readonly type?: 'string' | 'integer' }>> = {
  from: { description: 'Start, RFC 3339 or a date (default: 30 days before `to`).' },
  to: { description: 'End, exclusive (default: now).' },
  groupBy: { description: `Comma-separated dimensions: ${[...ATTRIBUTION_DIMENSIONS, 'hour', 'day'].join(', ')}.` },
  team: { description: 'Only these teams (comma-separated).' },
  ...Object.fromEntries(ATTRIBUTION_DIMENSIONS.filter((d) => d !== 'team').map((d) => [d, { description: `Only events with this ${d} ('' for none).` }])),
  limit: { description: `At most this many rows, 1-${MAX_ROW_LIMIT} (default ${DEFAULT_ROW_LIMIT}); totals cover every row.`, type: 'integer' },
};

/** Reads the query string of a usage request; `now` places the default range (the last 30 days). */
export function parseUsageParams(url: URL, now: number): UsageParams {
  const q = url.searchParams;
  const fromArg = parseTime(q.get('from'), 'from');
  const toArg = parseTime(q.get('to'), 'to');
  const to = toArg ?? (fromArg !== undefined ? Math.max(now, fromArg + 1) : now);
  const from = fromArg ?? to - DEFAULT_RANGE_MS;
  if (from >= to) throw new GatewayError('GW_REQUEST_INVALID', 'from must be before to.', { param: 'from' });
  if (to - from > MAX_RANGE_MS) throw new GatewayError('GW_REQUEST_INVALID', 'from and to may be at most 3660 days apart; narrow the range.', { param: 'from' });
  const filter: Partial<Record<Exclude<AttributionDimension, 'team'>, string>> = {};
  for (const dim of ATTRIBUTION_DIMENSIONS) {
    if (dim === 'team') continue;
    const value = q.get(dim);
    if (value !== null && value !== '') filter[dim] = value;
  }
  const teamArg = q.get('team');
  const teams = teamArg === null || teamArg.trim() === '' ? undefined : [...new Set(teamArg.split(',').map((s) => s.trim()).filter(Boolean))];
  const limitArg = q.get('limit');
  let limit = DEFAULT_ROW_LIMIT;
  if (limitArg !== null && limitArg !== '') {
    limit = Number(limitArg);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ROW_LIMIT) {
      throw new GatewayError('GW_REQUEST_INVALID', `limit must be an integer from 1 to ${MAX_ROW_LIMIT}.`, { param: 'limit' });
    }
  }
  return { from, to, groupBy: parseGroupBy(q.get('groupBy')), filter, teams, limit };
}
