import { describe, expect, it } from 'vitest';
import { Cancellation } from '../../kernel/cancellation.js';
import { abortableSleep, backoffDelay } from './backoff.js';

const policy = { backoffMs: 100, maxBackoffMs: 1_000 };

describe('backoffDelay', () => {
  it('grows exponentially with full jitter, capped by maxBackoffMs', () => {
    const top = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy, undefined, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, undefined, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, undefined, () => 0.5)).toBe(200);
  });

  it('waits at least what retry-after asks, and fails over instead when that is beyond maxBackoffMs', () => {
    expect(backoffDelay(1, policy, 1, () => 0.5)).toBe(1_000);
    expect(backoffDelay(1, { backoffMs: 100, maxBackoffMs: 5_000 }, 0, () => 0.5)).toBe(50);
    expect(backoffDelay(1, policy, 2, () => 0.5)).toBeUndefined();
  });
});

describe('abortableSleep', () => {
  it('rejects at once when the client already left, and as soon as it leaves during the wait', async () => {
    const gone = new Cancellation();
    gone.abort(new Error('client left'));
    await expect(abortableSleep(60_000, gone.signal)).rejects.toThrow('client left');
    const leaving = new Cancellation();
    const waiting = abortableSleep(60_000, leaving.signal);
    leaving.abort(new Error('left later'));
    await expect(waiting).rejects.toThrow('left later');
  });

  it('resolves after the wait', async () => {
    await expect(abortableSleep(1, new Cancellation().signal)).resolves.toBeUndefined();
  });
});
