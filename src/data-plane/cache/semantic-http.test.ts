import { afterEach, describe, expect, it } from 'vitest';
import { testSnapshot } from '../../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../../test/helpers/no-limits.js';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import { costMicros, type TokenPrices } from '../../kernel/money.js';
import { loadTokenizer } from '../../kernel/tokens.js';
import type { UsageEvent } from '../../kernel/types.js';
import type { Provider } from '../../providers/contract.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import { createMemoryCacheStore } from '../../storage/memory/cache-store.js';
import { createMemorySemanticIndex } from '../../storage/memory/semantic-index.js';
import { DEFAULT_ROUTING } from '../routing/defaults.js';
import type { UpstreamCaller } from '../routing/upstream-caller.js';
import { createChatCompletionsRoute } from '../routes/chat-completions.js';
import type { CompiledCache, CompiledModel } from '../snapshot.js';
import { createResponseCache } from './exact-cache.js';
import { createSemanticLayer } from './semantic-cache.js';

const hashKey = createKeyHasher('secret');
const KEY_A = 'gk_semantic_team_a_0000000000000000000';
const KEY_B = 'gk_semantic_team_b_0000000000000000000';
const CHAT_PRICES: TokenPrices = { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 };
const EMBED_PRICES: TokenPrices = { inputPer1M: 100_000_000, cachedInputPer1M: 0, cacheWritePer1M: 0, outputPer1M: 0, perRequest: 0 };
const limits = { maxOutputTokens: 1_000, contextWindow: undefined };
const CACHE: CompiledCache = {
  exact: { ttlMs: 60_000 },
  semantic: { embeddingModel: 'embed', threshold: 0.95, ttlMs: 60_000, allowTools: false, anyTemperature: false },
  shared: false,
  staleMs: 0,
};

function model(name: string, type: CompiledModel['type'], provider: Provider, upstreamModel: string, prices: TokenPrices, cache?: CompiledCache): CompiledModel {
  const pricing = { free: false as const, prices, version: 'test' };
  const target = { id: `sim/${upstreamModel}`, provider: 'sim', upstreamModel, timeouts: { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 }, faults: undefined };
  const capabilities = { tools: true, vision: true, jsonMode: true };
  return { name, type, deployments: [{ provider, target, weight: 1, priority: 0, pricing, limits, capabilities }], pricing, worstPrices: prices, limits, routing: DEFAULT_ROUTING, cache, secrets: [] };
}

/** One call to the first deployment: this test is about the cache, not resilience. */
const firstDeployment: UpstreamCaller = {
  chat(ctx, request) {
    const d = (ctx.model as CompiledModel).deployments[0]!;
    ctx.deployment = d;
    ctx.attempts++;
    return d.provider.chat(request, { requestId: ctx.requestId, deployment: d.target, signal: ctx.abort.signal });
  },
  chatStream(ctx, request) {
    const d = (ctx.model as CompiledModel).deployments[0]!;
    ctx.deployment = d;
    ctx.attempts++;
    return d.provider.chatStream(request, { requestId: ctx.requestId, deployment: d.target, signal: ctx.abort.signal });
  },
  embeddings: () => Promise.reject(new Error('not used')),
};

let gateway: DataPlaneServer | undefined;
afterEach(() => gateway?.close());

async function start() {
  const sim = createSimulatorProvider({ name: 'sim', instant: true });
  const snapshot = testSnapshot({
    models: new Map([
      ['chat', model('chat', 'chat', sim, 'sim-small', CHAT_PRICES, CACHE)],
      ['embed', model('embed', 'embedding', sim, 'sim-embed', EMBED_PRICES)],
    ]),
    keys: new Map([
      [hashKey(KEY_A), { keyId: 'key_a', keyName: 'a', team: 'team-a' }],
      [hashKey(KEY_B), { keyId: 'key_b', keyName: 'b', team: 'team-b' }],
    ]),
  });
  const semantic = createSemanticLayer({ index: createMemorySemanticIndex(), clock: systemClock, logger: silentLogger });
  const cache = createResponseCache({ store: createMemoryCacheStore(), clock: systemClock, logger: silentLogger, semantic });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => ({
      'POST /v1/chat/completions': createChatCompletionsRoute({ meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 100_000, caller: firstDeployment, cache }),
    }),
  });
  const { events } = gateway;
  const url = `${gateway.url}/v1/chat/completions`;
  const ask = async (key: string, content: string, extra: Record<string, unknown> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', temperature: 0, messages: [{ role: 'user', content }], ...extra }),
    });
    const text = await res.text();
    // The answer is stored after it was sent: let the store and the index settle before the next request.
    await new Promise((r) => setTimeout(r, 5));
    return { status: res.status, cache: res.headers.get('x-gantry-cache'), cost: res.headers.get('x-gantry-cost-usd'), text, event: events.at(-1) as UsageEvent };
  };
  return { ask };
}

const embeddingCost = async (text: string) =>
  costMicros({ inputTokens: (await loadTokenizer()).countText(text), cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0 }, EMBED_PRICES);

describe('semantic cache over HTTP', () => {
  it('serves a paraphrase from the same team as a hit paying only the embedding, with the answer’s cost saved; other teams and unrelated prompts miss', async () => {
    const { ask } = await start();
    const first = await ask(KEY_A, 'What is the capital of France?');
    expect([first.status, first.cache, first.event.cache]).toEqual([200, 'miss', 'miss']);
    const embedFirst = await embeddingCost('What is the capital of France?');
    const answerCost = first.event.costMicros - embedFirst;
    expect(answerCost).toBeGreaterThan(0);

    const paraphrase = await ask(KEY_A, "what's the capital of France");
    expect([paraphrase.status, paraphrase.cache, paraphrase.event.cache]).toEqual([200, 'hit', 'semantic_hit']);
    expect(JSON.parse(paraphrase.text).choices).toEqual(JSON.parse(first.text).choices);
    const embedSecond = await embeddingCost("what's the capital of France");
    expect(paraphrase.event).toMatchObject({ costMicros: embedSecond, savingsMicros: answerCost, inputTokens: 0, outputTokens: 0, attempts: 0 });
    expect(paraphrase.cost).toBe(`0.${String(embedSecond).padStart(6, '0')}`);

    const otherTeam = await ask(KEY_B, "what's the capital of France");
    expect([otherTeam.cache, otherTeam.event.cache]).toEqual(['miss', 'miss']);
    const unrelated = await ask(KEY_A, 'Write a haiku about autumn leaves');
    expect(unrelated.event.cache).toBe('miss');
    const warm = await ask(KEY_A, "what's the capital of France", { temperature: 0.7 });
    expect(warm.event.cache).toBe('miss');
    expect(warm.event.costMicros).toBeGreaterThan(0);

    const stream = await ask(KEY_A, 'What is the capital of France??', { stream: true });
    expect([stream.cache, stream.event.cache]).toEqual(['hit', 'semantic_hit']);
    expect(stream.text).toContain('data: [DONE]');
  });
});
