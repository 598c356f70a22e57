import { describe, expect, it } from 'vitest';
import { costMicros, formatMicrosAsUsd, parseUsdToMicros, type TokenPrices } from './money.js';

const prices = (p: Partial<TokenPrices>): TokenPrices => ({
  inputPer1M: 0,
  cachedInputPer1M: 0,
  cacheWritePer1M: 0,
  outputPer1M: 0,
  perRequest: 0,
  ...p,
});

describe('money', () => {
  it('parses decimal USD strings exactly', () => {
    expect(parseUsdToMicros('0.15')).toBe(150_000);
    expect(parseUsdToMicros('2.5')).toBe(2_500_000);
    expect(parseUsdToMicros('10')).toBe(10_000_000);
    expect(parseUsdToMicros('0.000001')).toBe(1);
    expect(parseUsdToMicros('0.1234567')).toBeUndefined();
    expect(parseUsdToMicros('-1')).toBeUndefined();
    expect(parseUsdToMicros('1e3')).toBeUndefined();
    expect(parseUsdToMicros('')).toBeUndefined();
  });

  it('formats micros without float error', () => {
    expect(formatMicrosAsUsd(0)).toBe('0.000000');
    expect(formatMicrosAsUsd(123)).toBe('0.000123');
    expect(formatMicrosAsUsd(1_234_567)).toBe('1.234567');
    expect(formatMicrosAsUsd(300_000)).toBe('0.300000');
  });

  it('prices input, cached input and output separately and rounds up once', () => {
    const p = prices({ inputPer1M: 150_000, cachedInputPer1M: 75_000, outputPer1M: 600_000 });
    // 1000 plain input at $0.15/M = 150 micros; 0 cached; 500 output at $0.60/M = 300 micros
    expect(costMicros({ inputTokens: 1000, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 500 }, p)).toBe(450);
    // 1000 input of which 400 cached: 600*0.15 + 400*0.075 = 90 + 30 = 120 micros
    expect(costMicros({ inputTokens: 1000, cachedInputTokens: 400, cacheWriteInputTokens: 0, outputTokens: 0 }, p)).toBe(120);
    // one token at $0.15/M is 0.15 micros: rounded up to 1, never recorded as 0
    expect(costMicros({ inputTokens: 1, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0 }, p)).toBe(1);
  });

  it('adds per-request fees and stays exact for very large counts', () => {
    const p = prices({ inputPer1M: 1_000_000_000, perRequest: 5 });
    expect(costMicros({ inputTokens: 10_000_000, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0 }, p)).toBe(10_000_000_005);
  });

  it('never counts cached tokens above the input total', () => {
    const p = prices({ inputPer1M: 1_000_000, cachedInputPer1M: 500_000 });
    expect(costMicros({ inputTokens: 10, cachedInputTokens: 50, cacheWriteInputTokens: 0, outputTokens: 0 }, p)).toBe(5);
  });
});
