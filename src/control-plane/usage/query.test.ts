import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../kernel/errors/index.js';
import { costPer1kRequestsMicros } from './present.js';
import { DEFAULT_RANGE_MS, parseTime, parseUsageParams } from './query.js';

const NOW = Date.UTC(2026, 10, 15, 12, 34);
const params = (q: string) => parseUsageParams(new URL(`http://x/usage?${q}`), NOW);

describe('usage query parameters', () => {
  it('reads ISO dates (UTC), date-times with or without a zone, and epoch ms', () => {
    expect(parseTime('2026-11-01', 'from')).toBe(Date.UTC(2026, 10, 1));
    expect(parseTime('2026-11-01T09:30', 'from')).toBe(Date.UTC(2026, 10, 1, 9, 30));
    expect(parseTime('2026-11-01T09:30:00+02:00', 'from')).toBe(Date.UTC(2026, 10, 1, 7, 30));
    expect(parseTime('1793577600000', 'to')).toBe(1_793_577_600_000);
    expect(parseTime(null, 'to')).toBeUndefined();
    expect(parseTime('2026-11-01T09:30:00-05:30', 'from')).toBe(Date.UTC(2026, 10, 1, 15, 0));
    expect(parseTime('2026-11-01T09:30:00.123456789Z', 'from')).toBe(Date.UTC(2026, 10, 1, 9, 30, 0, 123));
    for (const bad of ['yesterday', '2026-11-31x', '11/01/2026', '-5', '2026-02-30T25:00', '2026-02-30', '2026-11-31', '2026-11-01T24:00', '2026-11-01T09:00+25:00']) {
      expect(() => parseTime(bad, 'from')).toThrow(GatewayError);
    }
  });

  it('reads a date-time without a zone as UTC whatever its precision, also on a server in another time zone', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(parseTime('2026-11-01T09:00:00.1234', 'from')).toBe(Date.UTC(2026, 10, 1, 9, 0, 0, 123));
      expect(parseTime('2026-11-01T09:00:00.123456', 'to')).toBe(Date.UTC(2026, 10, 1, 9, 0, 0, 123));
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('defaults to the last 30 days; from alone runs to now; to alone looks 30 days back', () => {
    expect(params('')).toMatchObject({ from: NOW - DEFAULT_RANGE_MS, to: NOW, groupBy: [], limit: 1000, teams: undefined });
    expect(params('from=2026-11-01')).toMatchObject({ from: Date.UTC(2026, 10, 1), to: NOW });
    expect(params('to=2026-11-01')).toMatchObject({ from: Date.UTC(2026, 10, 1) - DEFAULT_RANGE_MS, to: Date.UTC(2026, 10, 1) });
  });

  it('reads groupBy without duplicates, team lists, and the other filters; empty values are no filter', () => {
    const p = params('groupBy=team, agent,team,day&team=a,b,a&agent=bot&user=&apiKey=k1&limit=50');
    expect(p.groupBy).toEqual(['team', 'agent', 'day']);
    expect(p.teams).toEqual(['a', 'b']);
    expect(p.filter).toEqual({ agent: 'bot', apiKey: 'k1' });
    expect(p.limit).toBe(50);
  });

  it('refuses a range over ten years, from after to, and limits out of bounds, naming the parameter', () => {
    const param = (q: string) => {
      try {
        params(q);
      } catch (err) {
        return (err as GatewayError).param;
      }
      return undefined;
    };
    expect(param('from=0')).toBe('from');
    expect(param('from=2026-11-02&to=2026-11-02')).toBe('from');
    expect(param('limit=10001')).toBe('limit');
    expect(param('groupBy=hour,week')).toBe('groupBy');
  });

  it('rounds cost per 1k requests half up to the micro-dollar', () => {
    expect(costPer1kRequestsMicros(1, 3)).toBe(333);
    expect(costPer1kRequestsMicros(1, 2000)).toBe(1);
    expect(costPer1kRequestsMicros(1, 2001)).toBe(0);
    expect(costPer1kRequestsMicros(5, 0)).toBe(0);
  });
});
