import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../test/helpers/no-limits.js';
import { compileRoutes } from '../control-plane/snapshot/compile-routes.js';
import { NO_CACHE } from '../data-plane/cache/response-cache.js';
import { createCountTokensRoute } from '../data-plane/protocols/anthropic/count-tokens.js';
import { createMessagesRoute } from '../data-plane/protocols/anthropic/route.js';
import type { UpstreamCaller } from '../data-plane/routing/upstream-caller.js';
import { createChatCompletionsRoute } from '../data-plane/routes/chat-completions.js';
import { providerContext } from '../data-plane/routes/route.js';
import type { CompiledModel } from '../data-plane/snapshot.js';
import { createKeyHasher } from '../kernel/api-keys.js';
import { systemClock } from '../kernel/clock.js';
import { costMicros } from '../kernel/money.js';
import type { UsageEvent } from '../kernel/types.js';
import { createSimulatorProvider } from '../providers/simulator/index.js';
import type { StoredResource } from '../storage/ports/resource-store.js';

// A Route through real HTTP (OpenAI and Anthropic wire formats): the served model, the recorded
// decision, and savings = what the baseline would have charged for the same tokens − what was paid.
const KEY = 'gk_route_savings_test_00000000000000000';
const hashKey = createKeyHasher('secret');
const SMALL = { inputPer1M: 150_000, cachedInputPer1M: 150_000, cacheWritePer1M: 150_000, outputPer1M: 600_000, perRequest: 0 };
const LARGE = { inputPer1M: 2_500_000, cachedInputPer1M: 2_500_000, cacheWritePer1M: 2_500_000, outputPer1M: 10_000_000, perRequest: 0 };

function model(name: string, prices: typeof SMALL): CompiledModel {
  const provider = createSimulatorProvider({ name: 'simulator', instant: true });
  const timeouts = { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 };
  return compiledModel({
    name,
    type: 'chat',
    deployments: [{ provider, target: { id: `simulator/${name}`, provider: 'simulator', upstreamModel: name, timeouts, faults: undefined } }],
    pricing: { free: false, prices, version: 'test' },
    limits: { maxOutputTokens: 4_096, contextWindow: undefined },
  });
}

/** The first deployment, one call: this test is about the route, not about resilience. */
const first = (ctx: Parameters<UpstreamCaller['chat']>[0]) => {
  const d = ctx.model?.deployments[0];
  if (!d) throw new Error('no deployment');
  ctx.deployment = d;
  ctx.attempts++;
  return d.provider;
};
const caller: UpstreamCaller = {
  chat: async (ctx, req) => first(ctx).chat(req, providerContext(ctx)),
  chatStream: async (ctx, req) => first(ctx).chatStream(req, providerContext(ctx)),
  embeddings: async (ctx, req) => first(ctx).embeddings(req, providerContext(ctx)),
};

let gateway: DataPlaneServer | undefined;
let url = '';
let events: UsageEvent[] = [];
beforeAll(async () => {
  const models = new Map([
    ['sim-small', model('sim-small', SMALL)],
    ['sim-large', model('sim-large', LARGE)],
  ]);
  const spec = { rules: [{ name: 'declared-reasoning', when: 'task == "reasoning"', model: 'sim-large' }], complexity: { threshold: 0.5, simple: 'sim-small', complex: 'sim-large' } };
  const routes = compileRoutes([{ kind: 'Route', name: 'auto', spec } as unknown as StoredResource], models);
  const snapshot = testSnapshot({
    routes,
    models,
    keys: new Map([[hashKey(KEY), { keyId: 'key_a', keyName: 'a', team: 'team-a', models: new Set(['auto']) }]]),
  });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => {
      const deps = { meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 100_000, caller, cache: NO_CACHE };
      return {
        'POST /v1/chat/completions': createChatCompletionsRoute(deps),
        'POST /v1/messages': createMessagesRoute(deps),
        'POST /v1/messages/count_tokens': createCountTokensRoute(deps),
      };
    },
  });
  ({ url, events } = gateway);
});
afterAll(() => gateway?.close());

const eventOf = async (requestId: string | null) => {
  await expect.poll(() => events.find((e) => e.requestId === requestId)).toBeDefined();
  return events.find((e) => e.requestId === requestId) as UsageEvent;
};
const tokensOf = (e: UsageEvent) => ({ inputTokens: e.inputTokens, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: e.outputTokens });

describe('a Route over HTTP', () => {
  const openai = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY, maxRetries: 0 });

  it('serves a simple request from the cheap model and records savings against the baseline', async () => {
    const { response } = await openai().chat.completions.create({ model: 'auto', max_tokens: 40, messages: [{ role: 'user', content: 'What is the capital of France?' }] }).withResponse();
    expect(response.headers.get('x-gantry-route')).toBe('simulator/sim-small');
    const e = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(e).toMatchObject({ model: 'auto', servedModel: 'sim-small', status: 200 });
    expect(e.routeReason).toMatch(/^complexity:0\.\d\d<0\.5$/);
    expect(e.costMicros).toBe(costMicros(tokensOf(e), SMALL));
    expect(e.savingsMicros).toBe(costMicros(tokensOf(e), LARGE) - e.costMicros);
    expect(e.savingsMicros).toBeGreaterThan(0);
  });

  it('sends a declared reasoning task to the flagship (rule), with no savings; streams too', async () => {
    const { data: stream, response } = await openai()
      .chat.completions.create({ model: 'auto', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'hello' }] }, { headers: { 'x-gantry-task': 'reasoning' } })
      .withResponse();
    for await (const _ of stream) {
      // drain
    }
    expect(response.headers.get('x-gantry-route')).toBe('simulator/sim-large');
    const e = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(e).toMatchObject({ model: 'auto', servedModel: 'sim-large', routeReason: 'rule:declared-reasoning', savingsMicros: 0 });
    expect(e.costMicros).toBeGreaterThan(0);
  });

  it('routes Anthropic Messages requests the same way', async () => {
    const anthropic = new Anthropic({ baseURL: url, apiKey: KEY, maxRetries: 0 });
    const { response } = await anthropic.messages
      .create({ model: 'auto', max_tokens: 200, messages: [{ role: 'user', content: 'Prove that there are infinitely many primes, step by step.' }] })
      .withResponse();
    expect(response.headers.get('x-gantry-route')).toBe('simulator/sim-large');
    const e = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(e).toMatchObject({ endpoint: 'messages', model: 'auto', servedModel: 'sim-large' });
    expect(e.routeReason).toMatch(/^complexity:0\.\d\d>=0\.5$/);
  });

  it('counts tokens for a Route name like for a model (Anthropic count_tokens)', async () => {
    const anthropic = new Anthropic({ baseURL: url, apiKey: KEY, maxRetries: 0 });
    const counted = await anthropic.messages.countTokens({ model: 'auto', messages: [{ role: 'user', content: 'How many tokens is this?' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    await expect(anthropic.messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: 404 });
  });
});
