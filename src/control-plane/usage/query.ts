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

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME_NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/i;

/** An ISO 8601 date or date-time (no zone: UTC) or epoch milliseconds; undefined when absent. */
export function parseTime(raw: string | null, name: string): number | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const value = raw.trim();
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value);
  else if (ISO.test(value)) ms = Date.parse(DATE_ONLY.test(value) || DATE_TIME_NO_ZONE.test(value) ? `${value}${DATE_ONLY.test(value) ? '' : 'Z'}` : value);
  else ms = Number.NaN;
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
