import { describe, expect, it } from 'vitest';
import { locateJsonError } from './json-error.js';

describe('locateJsonError', () => {
  it.each([
    ['{"a": 1}', undefined],
    ['[1, 2.5e3, "x\\n", true, null, {}]', undefined],
    ['{"model": "m",\n "messages": [}', { line: 2, column: 15, problem: "expected a value but found '}'" }],
    ['{"a": 1,}', { line: 1, column: 9, problem: "expected a property name in double quotes but found '}'" }],
    ["{'a': 1}", { line: 1, column: 2 }],
    ['{"a": 1', { line: 1, column: 8, problem: "expected ',' or '}' but found the end of the body" }],
    ['{"a": 1} x', { line: 1, column: 10 }],
    ['{"a": "\u0001"}', { line: 1, column: 8 }],
    ['{"a": tru}', { line: 1, column: 7 }],
  ])('%j', (text, expected) => {
    const got = locateJsonError(text);
    if (expected === undefined) {
      expect(got).toBeUndefined();
      expect(() => JSON.parse(text)).not.toThrow();
    } else {
      expect(got).toMatchObject(expected);
      expect(() => JSON.parse(text)).toThrow();
    }
  });
});
