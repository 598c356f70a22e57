import { Readable } from 'node:stream';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { compiledModel, PLAIN_UPSTREAM, testSnapshot } from '../../../test/helpers/compiled.js';
import { compilePolicyEngine } from '../../policy/cedar-engine.js';
import type { Provider } from '../../providers/contract.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { newRequestContext } from '../context.js';
import type { Limits } from '../limits/limits.js';
import type { Meter } from '../metering/meter.js';
import { createAuthorize } from '../stages/authorize.js';
import { createEmbeddingsRoute } from './embeddings.js';

const provider = { name: 'fake', type: 'fake' } as unknown as Provider;
const prices = { inputPer1M: 1_000_000, cachedInputPer1M: 0, cacheWritePer1M: 0, outputPer1M: 0, perRequest: 0 };
const embedderPriced = (free: boolean) => compiledModel({
  name: 'embed',
  type: 'embedding',
  deployments: [{ provider, target: { id: 'embed', provider: 'fake', upstreamModel: 'embed', timeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1 }, faults: undefined } }],
  pricing: free ? { free: true, version: 't' } : { free: false, prices, version: 't' },
  limits: { maxOutputTokens: 0, contextWindow: undefined },
});

/** Runs one embeddings request under `policy` (enforced) and returns the error code, if any. */
async function embed(policy: string, input: unknown, free = true): Promise<string | undefined> {
  const snapshot = testSnapshot({
    policies: compilePolicyEngine([{ name: 'p', text: policy, mode: 'enforce' }]),
    models: new Map([['embed', embedderPriced(free)]]),
  });
  const ctx = newRequestContext({ requestId: 'r', endpoint: 'embeddings', startedAt: Date.UTC(2026, 0, 7, 12), startMono: 0, headers: {}, snapshot });
  ctx.principal = { keyId: 'k', keyName: 'key', team: 'research' };
  const admitted = new Error('admitted');
  const limits = {
    admit: async () => {
      throw admitted;
    },
  } as unknown as Limits;
  const route = createEmbeddingsRoute({
    meter: {} as Meter,
    limits,
    clock: { monotonic: () => 0 },
    maxBodyBytes: 1 << 20,
    caller: PLAIN_UPSTREAM.caller,
    authorize: createAuthorize({ channels: telemetryChannels(), spend: { monthToDateMicros: () => 0 } }),
  });
  const req = Readable.from([Buffer.from(JSON.stringify({ model: 'embed', input }))]) as unknown as IncomingMessage;
  req.headers = {};
  try {
    await route.handle(ctx, req, {} as ServerResponse);
    return undefined;
  } catch (err) {
    if (err === admitted) return 'admitted';
    return (err as { code?: string }).code;
  }
}

describe('embeddings route', () => {
  it('gives the policy check the input size as context.promptTokens', async () => {
    const policy = 'forbid(principal, action, resource) when { context.promptTokens > 5 };';
    // 40 bytes of text: 10 tokens by the chat estimate (ceil(bytes / 4)).
    expect(await embed(policy, 'x'.repeat(40))).toBe('GW_POLICY_DENIED');
    expect(await embed(policy, ['x'.repeat(20), 'y'.repeat(20)])).toBe('GW_POLICY_DENIED');
    expect(await embed(policy, 'short')).toBe('admitted');
  });

  it('counts the input cost in context.projectedSpendMicros', async () => {
    // 1 µ$ per input token: 40 bytes (10 tokens) project 10 µ$.
    const policy = 'forbid(principal, action, resource) when { context.projectedSpendMicros > 5 };';
    expect(await embed(policy, 'x'.repeat(40), false)).toBe('GW_POLICY_DENIED');
    expect(await embed(policy, 'x'.repeat(8), false)).toBe('admitted');
  });
});
