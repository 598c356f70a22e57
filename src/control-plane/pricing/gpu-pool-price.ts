import { type Micros, parseUsdToMicros } from '../../kernel/money.js';
import { DEFAULT_TARGET_UTILIZATION, type GpuPoolSpec } from '../resources/kinds/gpu-pool.js';

const SECONDS_PER_HOUR = 3_600n;
const TOKENS_PER_PRICE_UNIT = 1_000_000n;

/** A JS number as the exact decimal fraction it prints as (2500 → 2500/1, 0.6 → 6/10, 1e-7 → 1/10^7). */
function toFraction(value: number): { num: bigint; den: bigint } {
  const [mantissa = '0', exp = '0'] = String(value).toLowerCase().split('e');
  const [whole = '0', frac = ''] = mantissa.split('.');
  const num = BigInt(whole + frac);
  const scale = frac.length - Number(exp);
  return scale >= 0 ? { num, den: 10n ** BigInt(scale) } : { num: num * 10n ** BigInt(-scale), den: 1n };
}

/**
 * What one million tokens cost on a GPU pool, in micros (input and output alike):
 * gpus × $/GPU-hour ÷ (tokens/s × 3600 × target utilisation), per 1M tokens. Exact integer arithmetic,
 * rounded up to the next micro so self-hosted traffic is never under-billed.
 * One H100 at $2.50/h, 2,500 tok/s, 60% → 462,963 micros ($0.462963) per 1M tokens.
 */
export function gpuPoolPricePer1M(spec: GpuPoolSpec): Micros {
  const hourMicros = parseUsdToMicros(spec.costPerGpuHourUsd);
  if (hourMicros === undefined) throw new Error(`invalid costPerGpuHourUsd ${spec.costPerGpuHourUsd} (validated resource expected)`);
  const tps = toFraction(spec.tokensPerSecond);
  const util = toFraction(spec.targetUtilization ?? DEFAULT_TARGET_UTILIZATION);
  // (gpus × hourMicros × 1M) / ((tps.num / tps.den) × 3600 × (util.num / util.den))
  const num = BigInt(spec.gpus) * BigInt(hourMicros) * TOKENS_PER_PRICE_UNIT * tps.den * util.den;
  const den = tps.num * SECONDS_PER_HOUR * util.num;
  if (den === 0n) throw new Error('GpuPool throughput and utilisation must be more than 0 (validated resource expected)');
  return Number((num + den - 1n) / den);
}

