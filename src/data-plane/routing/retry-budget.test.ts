import { describe, expect, it } from 'vitest';
import { createRetryBudget } from './retry-budget.js';

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => {
      now += ms;
    },
  };
}

const drain = (take: () => boolean) => {
  let n = 0;
  while (take() && n < 10_000) n++;
  return n;
};

describe('retry budget', () => {
  it('allows ratio × requests plus the per-second reserve over the 10 s window, then refuses', () => {
    const clock = fakeClock();
    const budget = createRetryBudget(clock);
    for (let i = 0; i < 100; i++) budget.deposit('m');
    // 20% of 100 requests + 1/s × 10 s
    expect(drain(() => budget.tryWithdraw('m', 0.2, 1))).toBe(30);
    expect(budget.tryWithdraw('m', 0.2, 1)).toBe(false);
  });

  it('keeps a reserve of minPerSecond for a quiet model, and nothing with a zero budget', () => {
    const budget = createRetryBudget(fakeClock());
    expect(drain(() => budget.tryWithdraw('quiet', 0.2, 5))).toBe(50);
    expect(drain(() => budget.tryWithdraw('none', 0, 0))).toBe(0);
  });

  it('is per model', () => {
    const budget = createRetryBudget(fakeClock());
    for (let i = 0; i < 50; i++) budget.deposit('a');
    expect(drain(() => budget.tryWithdraw('a', 0.2, 0))).toBe(10);
    expect(drain(() => budget.tryWithdraw('b', 0.2, 0))).toBe(0);
  });

  it('slides: old requests and retries leave the window', () => {
    const clock = fakeClock();
    const budget = createRetryBudget(clock);
    for (let i = 0; i < 50; i++) budget.deposit('m');
    expect(drain(() => budget.tryWithdraw('m', 0.2, 0))).toBe(10);
    clock.advance(11_000);
    expect(budget.tryWithdraw('m', 0.2, 0)).toBe(false); // the old requests no longer count
    for (let i = 0; i < 50; i++) budget.deposit('m');
    expect(drain(() => budget.tryWithdraw('m', 0.2, 0))).toBe(10); // nor do the old retries
  });
});
