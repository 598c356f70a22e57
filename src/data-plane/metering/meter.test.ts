import { describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import type { TokenPrices } from '../../kernel/money.js';
import type { UsageEvent } from '../../kernel/types.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { newRequestContext } from '../context.js';
import type { CompiledDeployment, CompiledModel, ModelPricing } from '../snapshot.js';
import { createMeter } from './meter.js';

const prices = (inputPer1M: number, outputPer1M: number): TokenPrices => ({ inputPer1M, cachedInputPer1M: 0, cacheWritePer1M: 0, outputPer1M, perRequest: 0 });
const priced = (p: TokenPrices, version: string): ModelPricing => ({ free: false, prices: p, version });
const LIMITS = { maxOutputTokens: 1_000, contextWindow: undefined };

/** The flagship: a primary deployment at $10/$40 and a dearer failover at $15/$60 (per 1M tokens). */
const large = compiledModel({ name: 'large', type: 'chat', deployments: [], pricing: priced(prices(10_000_000, 40_000_000), 'primary'), limits: LIMITS });
const dearDeployment = { pricing: priced(prices(15_000_000, 60_000_000), 'failover'), target: { id: 'large-failover' } } as unknown as CompiledDeployment;
const small = compiledModel({ name: 'small', type: 'chat', deployments: [], pricing: priced(prices(1_000_000, 4_000_000), 'small'), limits: LIMITS });

function setup() {
  const events: UsageEvent[] = [];
  const meter = createMeter({ usageSink: { record: (e) => events.push(e) }, channels: telemetryChannels(), clock: { now: () => 0, monotonic: () => 0 } });
  const routed = (model: CompiledModel, deployment: CompiledDeployment | undefined) => {
    const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot: testSnapshot() });
    ctx.principal = { keyId: 'k', keyName: 'k', team: 't' };
    ctx.model = model;
    ctx.deployment = deployment;
    ctx.route = { name: 'auto', reason: 'default', baseline: large };
    ctx.usage = { inputTokens: 1_000, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 1_000, estimated: false };
    ctx.status = 200;
    return meter.finish(ctx);
  };
  return { routed, events };
}

describe('createMeter: Route savings', () => {
  it('against the baseline when a cheaper model served', () => {
    const { routed } = setup();
    const e = routed(small, undefined);
    expect(e.costMicros).toBe(5_000);
    expect(e.savingsMicros).toBe(50_000 - 5_000);
  });

  it('is 0 when the baseline itself served, whichever of its deployments answered (docs/routing.md#savings)', () => {
    const { routed } = setup();
    // Its failover deployment is dearer than the baseline's price: that is not a routing loss.
    const e = routed(large, dearDeployment);
    expect(e.costMicros).toBe(75_000);
    expect(e.savingsMicros).toBe(0);
  });
});
