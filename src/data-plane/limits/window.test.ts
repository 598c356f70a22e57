import { describe, expect, it } from 'vitest';
import { windowOf } from './window.js';

const at = (iso: string) => Date.parse(iso);

describe('budget windows (UTC calendar)', () => {
  it('daily windows run midnight to midnight UTC', () => {
    const w = windowOf('daily', at('2026-11-29T23:59:59.999Z'));
    expect(w).toEqual({ id: '2026-11-29', start: at('2026-11-29T00:00:00Z'), end: at('2026-11-30T00:00:00Z') });
    expect(windowOf('daily', at('2026-11-30T00:00:00Z')).id).toBe('2026-11-30');
  });

  it('weekly windows start on Monday', () => {
    // 2026-11-29 is a Sunday: its week began Monday 2026-11-23.
    expect(windowOf('weekly', at('2026-11-29T12:00:00Z'))).toMatchObject({ id: 'w2026-11-23', start: at('2026-11-23T00:00:00Z'), end: at('2026-11-30T00:00:00Z') });
    expect(windowOf('weekly', at('2026-11-30T00:00:00Z')).id).toBe('w2026-11-30');
  });

  it('monthly windows follow calendar months, across a year end', () => {
    expect(windowOf('monthly', at('2026-12-31T23:00:00Z'))).toEqual({ id: '2026-12', start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
    expect(windowOf('monthly', at('2027-02-15T00:00:00Z')).end).toBe(at('2027-03-01T00:00:00Z'));
  });

  it('total never resets', () => {
    expect(windowOf('total', at('2026-01-01T00:00:00Z')).id).toBe(windowOf('total', at('2030-06-01T00:00:00Z')).id);
  });
});
