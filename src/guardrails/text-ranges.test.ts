import { describe, expect, it } from 'vitest';
import { codeFenceRanges, insideAny } from './text-ranges.js';

describe('code fence ranges', () => {
  it('finds closed fences and runs an unclosed one to the end', () => {
    const text = 'a ```x``` b ```y';
    expect(codeFenceRanges(text)).toEqual([
      { start: 2, end: 9 },
      { start: 12, end: 16 },
    ]);
    expect(insideAny(codeFenceRanges(text), 5)).toBe(true);
    expect(insideAny(codeFenceRanges(text), 10)).toBe(false);
    expect(codeFenceRanges('no code')).toEqual([]);
  });
});
