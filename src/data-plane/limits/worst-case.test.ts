import { describe, expect, it } from 'vitest';
import type { TokenPrices } from '../../kernel/money.js';
import { affordableOutputTokens, worstCaseMicros } from './worst-case.js';

const SMALL: TokenPrices = { inputPer1M: 150_000, cachedInputPer1M: 75_000, cacheWritePer1M: 150_000, outputPer1M: 600_000, perRequest: 0 };
const CACHE_WRITE_DEAR: TokenPrices = { inputPer1M: 3_000_000, cachedInputPer1M: 300_000, cacheWritePer1M: 3_750_000, outputPer1M: 15_000_000, perRequest: 10 };

describe('worst-case reservation arithmetic', () => {
  it('prices input at its dearest rate and rounds up', () => {
    expect(worstCaseMicros(SMALL, 1_000, 100)).toBe(210); // 0.15 + 0.06 = 0.21 ¢… in micros: 150 + 60
    expect(worstCaseMicros(CACHE_WRITE_DEAR, 1_000, 0)).toBe(3_750 + 10);
    expect(worstCaseMicros(SMALL, 1, 1)).toBe(1); // 0.75 micros rounds up to 1
  });

  it('finds the largest output that the grant pays for, exactly', () => {
    for (const granted of [1, 37, 210, 5_000, 123_457]) {
      for (const input of [0, 10, 999]) {
        const t = affordableOutputTokens(SMALL, input, granted, 1_000_000);
        if (t > 0) expect(worstCaseMicros(SMALL, input, t)).toBeLessThanOrEqual(granted);
        if (worstCaseMicros(SMALL, input, 0) <= granted) expect(worstCaseMicros(SMALL, input, t + 1)).toBeGreaterThan(granted);
      }
    }
  });

  it('never exceeds the model limit and gives 0 when the input alone is unaffordable', () => {
    expect(affordableOutputTokens(SMALL, 10, 1_000_000, 4_096)).toBe(4_096);
    expect(affordableOutputTokens(CACHE_WRITE_DEAR, 1_000, 100, 4_096)).toBe(0);
  });
});
