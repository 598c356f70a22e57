import { describe, expect, it } from 'vitest';
import { costMicros } from '../../kernel/money.js';
import { gpuPoolPricePer1M } from './gpu-pool-price.js';

describe('GpuPool price per 1M tokens', () => {
  it('prices the issue example: one H100 at $2.50/h, 2,500 tok/s, 60% → $0.462963 per 1M (rounded up)', () => {
    // 2,500,000 µ$ × 1,000,000 / (2,500 × 3,600 × 0.6) = 462,962.96… → 462,963
    expect(gpuPoolPricePer1M({ gpus: 1, costPerGpuHourUsd: '2.50', tokensPerSecond: 2500 })).toBe(462_963);
    expect(gpuPoolPricePer1M({ gpus: 1, costPerGpuHourUsd: '2.50', tokensPerSecond: 2500, targetUtilization: 0.6 })).toBe(462_963);
  });

  it('scales with GPUs, cost and utilisation, exactly (no float drift)', () => {
    // 8 × $2.00 / (10,000 × 3,600 × 1.0) = $0.000000444… per token → 444,445 µ$ per 1M
    expect(gpuPoolPricePer1M({ gpus: 8, costPerGpuHourUsd: '2.00', tokensPerSecond: 10_000, targetUtilization: 1 })).toBe(444_445);
    // Exactly divisible: 1 × $3.60 / (1,000 × 3,600 × 0.5) = $2.00 per 1M
    expect(gpuPoolPricePer1M({ gpus: 1, costPerGpuHourUsd: '3.60', tokensPerSecond: 1000, targetUtilization: 0.5 })).toBe(2_000_000);
    // 0.1 + 0.2 style inputs stay exact: 1 × $1 / (0.3 × 3,600 × 0.1) → $9,259.259259… per 1M
    expect(gpuPoolPricePer1M({ gpus: 1, costPerGpuHourUsd: '1', tokensPerSecond: 0.3, targetUtilization: 0.1 })).toBe(9_259_259_260);
  });

  it('gives a per-request cost a user can check by hand', () => {
    const per1M = gpuPoolPricePer1M({ gpus: 1, costPerGpuHourUsd: '2.50', tokensPerSecond: 2500 });
    const prices = { inputPer1M: per1M, cachedInputPer1M: per1M, cacheWritePer1M: per1M, outputPer1M: per1M, perRequest: 0 };
    // 1M input + 1M output tokens on the pool: 2 × $0.462963
    expect(costMicros({ inputTokens: 1_000_000, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 1_000_000 }, prices)).toBe(925_926);
  });
});
