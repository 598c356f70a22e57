import { describe, expect, it } from 'vitest';
import { Cancellation, type CancelSignal } from './cancellation.js';

describe('Cancellation', () => {
  it('tells each listener once, in order, with the reason set', () => {
    const c = new Cancellation();
    const seen: string[] = [];
    const a = () => seen.push(`a:${String(c.signal.reason)}`);
    const b = () => {
      throw new Error('listener bug');
    };
    const d = () => seen.push('d');
    c.addEventListener('abort', a);
    c.addEventListener('abort', b);
    c.addEventListener('abort', d);
    c.removeEventListener('abort', d);
    c.abort('gone');
    c.abort('again');
    expect(seen).toEqual(['a:gone']);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe('gone');
  });

  it('does not call listeners added after the abort, and gives a default reason', () => {
    const c = new Cancellation();
    c.abort();
    let called = false;
    c.addEventListener('abort', () => {
      called = true;
    });
    expect(called).toBe(false);
    expect(c.reason).toBeInstanceOf(Error);
  });

  it('accepts a real AbortSignal where a CancelSignal is expected', () => {
    const signal: CancelSignal = new AbortController().signal;
    expect(signal.aborted).toBe(false);
  });
});
