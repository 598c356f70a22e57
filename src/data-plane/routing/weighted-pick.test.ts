import { describe, expect, it } from 'vitest';
import { pickByWeight, stickyDraw, weightedDraw } from './weighted-pick.js';

const items = [
  { name: 'a', weight: 3 },
  { name: 'zero', weight: 0 },
  { name: 'b', weight: 1 },
];

describe('weighted pick', () => {
  it('walks the cumulative weights and never picks weight 0', () => {
    expect(pickByWeight(items, 0)?.name).toBe('a');
    expect(pickByWeight(items, 0.74)?.name).toBe('a');
    expect(pickByWeight(items, 0.75)?.name).toBe('b');
    expect(pickByWeight(items, 0.999_999_999_999)?.name).toBe('b');
    expect(pickByWeight([{ weight: 0 }], 0.5)).toBeUndefined();
    expect(pickByWeight([], 0.5)).toBeUndefined();
  });

  it('a sticky key always draws the same value (pinned: sticky assignments must not move between versions)', () => {
    expect(stickyDraw('m\u0000run-1')).toBe(0.5752044834662229);
    expect(stickyDraw('route\u0000run-2')).toBe(0.011396850226446986);
    expect(weightedDraw('m', 'run-1', () => 0.5)).toBe(stickyDraw('m\u0000run-1'));
    expect(weightedDraw('m', undefined, () => 0.25)).toBe(0.25);
    const draw = stickyDraw('m\u0000run-1');
    expect(draw).toBeGreaterThanOrEqual(0);
    expect(draw).toBeLessThan(1);
  });
});
