import { describe, expect, it } from 'vitest';
import { ageOf, field, formatAge, formatTable, formatValue, toYamlDocuments } from './output.js';

describe('formatTable', () => {
  it('aligns columns to the widest cell with padEnd and does not pad the last column', () => {
    const out = formatTable(
      ['NAME', 'DISPLAY-NAME', 'AGE'],
      [
        ['payments', 'Payments', '5m'],
        ['a', 'A much longer name', '2d'],
      ],
    );
    expect(out).toBe(
      'NAME       DISPLAY-NAME         AGE\n' + //
        'payments   Payments             5m\n' +
        'a          A much longer name   2d\n',
    );
  });

  it('prints only the header for no rows, and tolerates missing cells', () => {
    expect(formatTable(['A', 'B'], [])).toBe('A   B\n');
    expect(formatTable(['A', 'B'], [['x']])).toBe('A   B\nx\n');
  });
});

describe('ages and values', () => {
  it('formats ages in the largest whole unit', () => {
    expect(formatAge(45_000)).toBe('45s');
    expect(formatAge(5 * 60_000 + 59_000)).toBe('5m');
    expect(formatAge(3 * 3_600_000)).toBe('3h');
    expect(formatAge(2 * 86_400_000 + 5)).toBe('2d');
    expect(formatAge(-10)).toBe('0s');
  });

  it('computes ages from ISO timestamps and shows - when unknown', () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    expect(ageOf('2026-01-09T21:00:00Z', now)).toBe('3h');
    expect(ageOf(undefined, now)).toBe('-');
    expect(ageOf('garbage', now)).toBe('-');
  });

  it('prints strings bare and other values as JSON', () => {
    expect(formatValue('Payments')).toBe('Payments');
    expect(formatValue(3)).toBe('3');
    expect(formatValue(['a'])).toBe('["a"]');
    expect(field({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(field({ a: 1 }, 'a.b')).toBeUndefined();
  });

  it('writes multi-document YAML with a --- before each document', () => {
    expect(toYamlDocuments([{ kind: 'Team' }, { kind: 'User' }])).toBe('---\nkind: Team\n---\nkind: User\n');
  });
});
