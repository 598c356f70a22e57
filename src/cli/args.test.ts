import { describe, expect, it } from 'vitest';
import { ArgsError, jsonOutput, parseArgs, parseDuration, parsePositiveInt, splitList } from './args.js';

const spec = { flags: ['dry-run'], options: ['file', 'output', 'server'], short: { f: 'file', o: 'output' }, repeated: ['file'] };

describe('parseArgs', () => {
  it('keeps the long-option behaviour start and simulator rely on', () => {
    const a = parseArgs(['--port', '4100', '--instant', '--host=0.0.0.0', 'extra'], { flags: ['instant'], options: ['port', 'host'] });
    expect(a.options).toEqual({ port: '4100', host: '0.0.0.0' });
    expect(a.flags.has('instant')).toBe(true);
    expect(a.positionals).toEqual(['extra']);
  });

  it('reads short options with a separate or attached value', () => {
    const a = parseArgs(['-f', 'a.yaml', '-ojson'], spec);
    expect(a.options).toEqual({ file: 'a.yaml', output: 'json' });
  });

  it('collects repeated options in order, mixing short and long forms', () => {
    const a = parseArgs(['-f', 'a', '--file', 'b', '-f', 'c', '--dry-run'], spec);
    expect(a.lists.file).toEqual(['a', 'b', 'c']);
    expect(a.flags.has('dry-run')).toBe(true);
  });

  it('treats a lone dash as a positional and stops at --', () => {
    const a = parseArgs(['-f', '-', '--', '--not-an-option', '-x'], spec);
    expect(a.lists.file).toEqual(['-']);
    expect(a.positionals).toEqual(['--not-an-option', '-x']);
  });

  it('refuses unknown options, short or long, and missing values with a usage error', () => {
    expect(() => parseArgs(['--bogus'], spec)).toThrow(ArgsError);
    expect(() => parseArgs(['-z'], spec)).toThrow(/unknown option -z/);
    expect(() => parseArgs(['-f'], spec)).toThrow(/-f \(--file\) needs a value/);
    expect(() => parseArgs(['--server'], spec)).toThrow(/--server needs a value/);
    expect(() => parseArgs(['--dry-run=yes'], spec)).toThrow(/unknown option --dry-run/);
  });
});

describe('value helpers', () => {
  it('parses durations into seconds and rejects the rest', () => {
    expect(parseDuration('30d', '--expires-in')).toBe(2_592_000);
    expect(parseDuration('12h', '--expires-in')).toBe(43_200);
    expect(parseDuration('15m', '--grace')).toBe(900);
    expect(() => parseDuration('0h', '--grace')).toThrow(/more than zero/);
    expect(() => parseDuration('1.5h', '--grace')).toThrow(ArgsError);
    expect(() => parseDuration('soon', '--grace')).toThrow(/--grace must be a duration/);
  });

  it('parses positive integers and comma lists', () => {
    expect(parsePositiveInt('10', '--limit')).toBe(10);
    expect(parsePositiveInt(undefined, '--limit')).toBeUndefined();
    expect(() => parsePositiveInt('0', '--limit')).toThrow(ArgsError);
    expect(() => parsePositiveInt('2.5', '--limit')).toThrow(ArgsError);
    expect(splitList('a, b,,c ')).toEqual(['a', 'b', 'c']);
  });

  it('accepts only json for -o where JSON is the only alternative', () => {
    expect(jsonOutput(undefined)).toBe(false);
    expect(jsonOutput('json')).toBe(true);
    expect(() => jsonOutput('yaml')).toThrow(ArgsError);
  });
});
