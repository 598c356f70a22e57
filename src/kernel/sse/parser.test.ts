import { describe, expect, it } from 'vitest';
import { createSseParser } from './parser.js';

describe('SSE parser', () => {
  it('parses events split at arbitrary byte boundaries, UTF-8 included', () => {
    const text = 'event: a\ndata: héllo ✓ 😀\n\ndata: {"x":1}\ndata: line2\n\n: comment\r\ndata: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (const step of [1, 2, 3, 7, bytes.length]) {
      const p = createSseParser();
      const events = [];
      for (let i = 0; i < bytes.length; i += step) events.push(...p.push(bytes.subarray(i, i + step)));
      events.push(...p.end());
      expect(events.map((e) => [e.event, e.data])).toEqual([
        ['a', 'héllo ✓ 😀'],
        ['message', '{"x":1}\nline2'],
        ['message', '[DONE]'],
      ]);
    }
  });

  it('flushes a last event without a trailing blank line at end()', () => {
    const p = createSseParser();
    expect(p.push('data: partial')).toEqual([]);
    expect(p.end()).toEqual([{ event: 'message', data: 'partial', id: undefined }]);
  });

  it('ignores events with no data', () => {
    const p = createSseParser();
    expect(p.push('event: ping\n\n')).toEqual([]);
  });
});
