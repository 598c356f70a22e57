import { describe, expect, it } from 'vitest';
import { testSnapshot } from '../../../test/helpers/compiled.js';
import type { Logger } from '../../kernel/logger.js';
import { silentLogger } from '../../kernel/logger.js';
import { costMicros, type TokenPrices } from '../../kernel/money.js';
import { loadTokenizer } from '../../kernel/tokens.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { DeploymentTarget, Provider } from '../../providers/contract.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import { createMemoryCacheStore } from '../../storage/memory/cache-store.js';
import { createMemorySemanticIndex } from '../../storage/memory/semantic-index.js';
import type { SemanticIndex } from '../../storage/ports/semantic-index.js';
import { newRequestContext, type RequestContext } from '../context.js';
import { DEFAULT_ROUTING } from '../routing/defaults.js';
import type { CompiledCache, CompiledModel, ModelPricing } from '../snapshot.js';
import { createResponseCache } from './exact-cache.js';
import { createSemanticLayer } from './semantic-cache.js';

const target = (upstreamModel: string): DeploymentTarget => ({
  id: `sim/${upstreamModel}`,
  provider: 'sim',
  upstreamModel,
  timeouts: { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 },
  faults: undefined,
});
const prices = (inputPer1M: number, outputPer1M = 0): TokenPrices => ({ inputPer1M, cachedInputPer1M: inputPer1M, cacheWritePer1M: inputPer1M, outputPer1M, perRequest: 0 });
const priced = (inputPer1M: number, outputPer1M = 0): ModelPricing => ({ free: false, prices: prices(inputPer1M, outputPer1M), version: 'test' });
/** $1,000 per 1M embedding tokens: 1,000 micros a token, so the cost is visible and exact. */
const EMBED_PRICE = 1_000_000_000;
const limits = { maxOutputTokens: 1_000, contextWindow: undefined };

function model(name: string, type: CompiledModel['type'], provider: Provider, upstreamModel: string, pricing: ModelPricing | undefined, cache?: CompiledCache): CompiledModel {
  const capabilities = { tools: true, vision: true, jsonMode: true };
  return {
    name,
    type,
    deployments: [{ provider, target: target(upstreamModel), weight: 1, priority: 0, pricing, limits, capabilities }],
    pricing,
    worstPrices: pricing && !pricing.free ? pricing.prices : undefined,
    limits,
    routing: DEFAULT_ROUTING,
    cache,
    secrets: [],
  };
}

function semanticCache(over: Partial<NonNullable<CompiledCache['semantic']>> = {}): CompiledCache {
  return {
    exact: { ttlMs: 60_000 },
    semantic: { embeddingModel: 'embed', threshold: 0.95, ttlMs: 60_000, allowTools: false, anyTemperature: false, ...over },
    shared: false,
    staleMs: 0,
  };
}

function setup(opts: { embedProvider?: Provider; embedPricing?: ModelPricing | undefined; cache?: CompiledCache; index?: SemanticIndex; logger?: Logger } = {}) {
  const sim = createSimulatorProvider({ name: 'sim', instant: true });
  const embeddingCalls: string[] = [];
  const embedProvider = opts.embedProvider ?? sim;
  const counting: Provider = {
    ...embedProvider,
    embeddings: (request, ctx) => {
      embeddingCalls.push(String(request.input));
      return embedProvider.embeddings(request, ctx);
    },
  };
  const chat = model('chat', 'chat', sim, 'sim-small', priced(1_000_000, 2_000_000), opts.cache ?? semanticCache());
  const embed = model('embed', 'embedding', counting, 'sim-embed', 'embedPricing' in opts ? opts.embedPricing : priced(EMBED_PRICE));
  const snapshot = testSnapshot({
    models: new Map([
      ['chat', chat],
      ['embed', embed],
    ]),
  });
  let now = 1_800_000_000_000;
  const clock = { now: () => now, monotonic: () => now };
  const index = opts.index ?? createMemorySemanticIndex();
  const layer = createSemanticLayer({ index, clock, logger: opts.logger ?? silentLogger });
  const cache = createResponseCache({ store: createMemoryCacheStore(), clock, logger: silentLogger, semantic: layer });
  let n = 0;
  const context = (team: string): RequestContext => {
    const ctx = newRequestContext({ requestId: `r${++n}`, endpoint: 'chat.completions', startedAt: now, startMono: now, headers: {}, snapshot });
    ctx.principal = { keyId: `key-${team}`, keyName: team, team };
    ctx.model = chat;
    return ctx;
  };
  return { layer, cache, context, embeddingCalls, index, sim, advance: (ms: number) => (now += ms) };
}

const ask = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'chat',
  temperature: 0,
  messages: [
    { role: 'system', content: 'You answer geography questions in one sentence.' },
    { role: 'user', content },
  ],
  ...extra,
});
const answer = (content: string): ChatCompletion => ({
  id: 'cmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'sim-small',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 },
});
/** The store and the index are written asynchronously after the answer was served. */
const settled = () => new Promise((r) => setTimeout(r, 0));
const embeddingCost = async (text: string) =>
  costMicros({ inputTokens: (await loadTokenizer()).countText(text), cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0 }, prices(EMBED_PRICE));

describe('semantic layer', () => {
  it('embeds the last user message once, at the embedding deployment price, added to ctx.extraCostMicros', async () => {
    const { layer, context, embeddingCalls } = setup();
    const ctx = context('a');
    ctx.extraCostMicros = 7;
    const probe = await layer.find(ctx, ask('What is the capital of France?'), 'team:a');
    expect(probe?.match).toBeUndefined();
    expect(probe?.vector).toHaveLength(256);
    expect(embeddingCalls).toEqual(['What is the capital of France?']);
    const expected = await embeddingCost('What is the capital of France?');
    expect(expected).toBeGreaterThan(1_000);
    expect(ctx.extraCostMicros).toBe(7 + expected);
  });

  it('a free embedding model costs nothing; an unpriced one is never called (no unpriced spend)', async () => {
    const free = setup({ embedPricing: { free: true, version: 'free' } });
    const ctx = free.context('a');
    expect(await free.layer.find(ctx, ask('hi'), 'team:a')).toBeDefined();
    expect(ctx.extraCostMicros).toBe(0);

    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_o: object | string, msg?: string) => void warnings.push(msg ?? '') } as Logger;
    const unpriced = setup({ embedPricing: undefined, logger });
    expect(await unpriced.layer.find(unpriced.context('a'), ask('hi'), 'team:a')).toBeUndefined();
    expect(unpriced.embeddingCalls).toEqual([]);
    expect(warnings[0]).toMatch(/embedding model "embed" has no price/);
  });

  it('does not embed at all for a request the guard refuses (tools, temperature) or a model without semantic settings', async () => {
    const { layer, context, embeddingCalls } = setup();
    const ctx = context('a');
    expect(await layer.find(ctx, ask('hi', { temperature: 0.7 }), 'team:a')).toBeUndefined();
    expect(await layer.find(ctx, ask('hi', { tools: [{ type: 'function', function: { name: 'f' } }] }), 'team:a')).toBeUndefined();
    ctx.model = { ...(ctx.model as NonNullable<RequestContext['model']>), cache: { ...semanticCache(), semantic: undefined } };
    expect(await layer.find(ctx, ask('hi'), 'team:a')).toBeUndefined();
    expect(embeddingCalls).toEqual([]);
    expect(ctx.extraCostMicros).toBe(0);
  });

  it('an embedding failure is a miss, warned about at most every 10 s', async () => {
    const warnings: unknown[] = [];
    const logger = { ...silentLogger, warn: (o: object | string) => void warnings.push(o) } as Logger;
    const failing: Provider = { ...createSimulatorProvider({ name: 'x', instant: true }), embeddings: async () => Promise.reject(new Error('upstream down')) };
    const { layer, context, advance } = setup({ embedProvider: failing, logger });
    expect(await layer.find(context('a'), ask('one'), 'team:a')).toBeUndefined();
    expect(await layer.find(context('a'), ask('two'), 'team:a')).toBeUndefined();
    expect(warnings).toHaveLength(1);
    advance(10_000);
    expect(await layer.find(context('a'), ask('three'), 'team:a')).toBeUndefined();
    expect(warnings).toHaveLength(2);
  });

  it('an index failure still returns the probe (no match), and remember never throws', async () => {
    const broken: SemanticIndex = { kind: 'redis', search: () => Promise.reject(new Error('down')), add: () => Promise.reject(new Error('down')), close: async () => {} };
    const { layer, context } = setup({ index: broken });
    const ctx = context('a');
    const probe = await layer.find(ctx, ask('hi'), 'team:a');
    expect(probe).toMatchObject({ match: undefined });
    expect(() => layer.remember(ctx, 'team:a', probe!, 'k', Date.now() + 1_000)).not.toThrow();
    await settled();
  });

  it('remembers a vector no longer than the semantic ttl, and only in the namespace it was probed for', async () => {
    const { layer, context, advance } = setup({ cache: semanticCache({ ttlMs: 1_000 }) });
    const ctx = context('a');
    const probe = (await layer.find(ctx, ask('What is the capital of France?'), 'team:a'))!;
    layer.remember(ctx, 'team:b', probe, 'wrong-namespace', Number.MAX_SAFE_INTEGER);
    layer.remember(ctx, 'team:a', probe, 'the-key', Number.MAX_SAFE_INTEGER);
    await settled();
    expect((await layer.find(context('a'), ask("what's the capital of France"), 'team:a'))?.match?.key).toBe('the-key');
    advance(1_000);
    expect((await layer.find(context('a'), ask("what's the capital of France"), 'team:a'))?.match).toBeUndefined();
  });
});

describe('semantic cache through the response cache', () => {
  async function missThenStore(s: ReturnType<typeof setup>, team: string, request: ChatCompletionRequest, content: string) {
    const ctx = s.context(team);
    expect(await s.cache.lookup(ctx, request, 'fresh')).toBeUndefined();
    expect(ctx.cache).toBe('miss');
    s.cache.store(ctx, request, answer(content), 123);
    await settled();
    return ctx;
  }

  it('a paraphrased repeat of the same team is a semantic hit paying only the embedding; another team, an unrelated prompt, tools or temperature 0.7 are not', async () => {
    const s = setup();
    const first = await missThenStore(s, 'a', ask('What is the capital of France?'), 'Paris.');
    expect(first.extraCostMicros).toBe(await embeddingCost('What is the capital of France?'));

    const again = s.context('a');
    const hit = await s.cache.lookup(again, ask("what's the capital of France"), 'fresh');
    expect(again.cache).toBe('semantic_hit');
    expect(hit).toMatchObject({ costMicros: 123, completion: { choices: [{ message: { content: 'Paris.' } }] } });
    expect(again.extraCostMicros).toBe(await embeddingCost("what's the capital of France"));

    const otherTeam = s.context('b');
    expect(await s.cache.lookup(otherTeam, ask("what's the capital of France"), 'fresh')).toBeUndefined();
    expect(otherTeam.cache).toBe('miss');

    const unrelated = s.context('a');
    expect(await s.cache.lookup(unrelated, ask('What is the capital of Germany?'), 'fresh')).toBeUndefined();
    expect(unrelated.cache).toBe('miss');

    const calls = s.embeddingCalls.length;
    const withTools = s.context('a');
    expect(await s.cache.lookup(withTools, ask("what's the capital of France", { tools: [{ type: 'function', function: { name: 'f' } }] }), 'fresh')).toBeUndefined();
    const warm = s.context('a');
    expect(await s.cache.lookup(warm, ask("what's the capital of France", { temperature: 0.7 }), 'fresh')).toBeUndefined();
    expect([withTools.cache, warm.cache]).toEqual(['miss', 'miss']);
    expect(s.embeddingCalls.length).toBe(calls); // the guard refused before paying for an embedding
  });

  it('a different system prompt or parameter is never served the answer of a similar question', async () => {
    const s = setup();
    await missThenStore(s, 'a', ask('What is the capital of France?'), 'Paris.');
    const french = ask("what's the capital of France", { messages: [{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: "what's the capital of France" }] });
    const ctx = s.context('a');
    expect(await s.cache.lookup(ctx, french, 'fresh')).toBeUndefined();
    const short = s.context('a');
    expect(await s.cache.lookup(short, ask("what's the capital of France", { max_tokens: 3 }), 'fresh')).toBeUndefined();
    expect([ctx.cache, short.cache]).toEqual(['miss', 'miss']);
  });

  it('a shared model matches across teams (one namespace)', async () => {
    const s = setup({ cache: { ...semanticCache(), shared: true } });
    await missThenStore(s, 'a', ask('What is the capital of France?'), 'Paris.');
    const b = s.context('b');
    expect(await s.cache.lookup(b, ask('what is the capital of france'), 'fresh')).toBeDefined();
    expect(b.cache).toBe('semantic_hit');
  });

  it('the semantic entry expires with the answer', async () => {
    const s = setup({ cache: { ...semanticCache({ ttlMs: 120_000 }), exact: { ttlMs: 30_000 } } });
    await missThenStore(s, 'a', ask('What is the capital of France?'), 'Paris.');
    s.advance(30_000);
    const ctx = s.context('a');
    expect(await s.cache.lookup(ctx, ask("what's the capital of France"), 'fresh')).toBeUndefined();
    expect(ctx.cache).toBe('miss');
  });
});
