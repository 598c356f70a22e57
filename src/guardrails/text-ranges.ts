/** Small text helpers shared by the detectors (no regex state, no allocation per character). */

export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Fenced ``` code blocks (an unclosed fence runs to the end of the text), in order. */
export function codeFenceRanges(text: string): Range[] {
  const out: Range[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf('```', from);
    if (open < 0) return out;
    const close = text.indexOf('```', open + 3);
    if (close < 0) {
      out.push({ start: open, end: text.length });
      return out;
    }
    out.push({ start: open, end: close + 3 });
    from = close + 3;
  }
}

export function insideAny(ranges: readonly Range[], at: number): boolean {
  return ranges.some((r) => at >= r.start && at < r.end);
}

export function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}
