import { describe, expect, it } from 'vitest';
import { compiledModel } from '../../../test/helpers/compiled.js';
import type { Logger } from '../../kernel/logger.js';
import { silentLogger } from '../../kernel/logger.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { createMemoryCacheStore } from '../../storage/memory/cache-store.js';
import type { CacheStore } from '../../storage/ports/cache-store.js';
import { newRequestContext, type RequestContext } from '../context.js';
import type { CompiledCache, CompiledModel, RuntimeSnapshot } from '../snapshot.js';
import { createResponseCache } from './exact-cache.js';
import type { SemanticLayer, SemanticProbe } from './semantic-layer.js';

const T = 1_800_000_000_000;
const EXACT: CompiledCache = { exact: { ttlMs: 60_000 }, semantic: undefined, shared: false, staleMs: 0 };
const SEMANTIC: CompiledCache = { ...EXACT, semantic: { embeddingModel: 'sim-embed', threshold: 0.9, ttlMs: 60_000, allowTools: false, anyTemperature: false } };

const modelWith = (name: string, cache: CompiledCache | undefined): CompiledModel =>
  compiledModel({ name, type: 'chat', deployments: [], pricing: { free: true, version: 'v' }, limits: { maxOutputTokens: 100, contextWindow: undefined } }, { cache });
const snapshot = { routes: new Map(), cacheOptOutTeams: new Set<string>() } as unknown as RuntimeSnapshot;

/** `null`: a model without spec.cache. */
function context(cache: CompiledCache | null = EXACT, headers: Record<string, string> = {}): RequestContext {
  const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: T, startMono: 0, headers, snapshot });
  ctx.principal = { keyId: 'k', keyName: 'k', team: 'team-a' };
  ctx.model = modelWith('m', cache ?? undefined);
  return ctx;
}
const request = (content = 'hi'): ChatCompletionRequest => ({ model: 'm', messages: [{ role: 'user', content }], temperature: 0 });
const answer = (finish: 'stop' | 'content_filter' | 'length' = 'stop'): ChatCompletion => ({
  id: 'cmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'up',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: finish }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, gantry_cost_usd: '0.000010', gantry_usage_estimated: true },
});
const settle = () => new Promise((r) => setImmediate(r));

function setup(opts: { store?: CacheStore; semantic?: SemanticLayer; logger?: Logger } = {}) {
  const clock = { wall: T, mono: 0, now: () => clock.wall, monotonic: () => clock.mono };
  const store = opts.store ?? createMemoryCacheStore();
  const cache = createResponseCache({ store, clock, logger: opts.logger ?? silentLogger, semantic: opts.semantic });
  /** One request that misses and stores `completion`. */
  async function miss(req: ChatCompletionRequest, completion = answer(), ctx = context()) {
    expect(await cache.lookup(ctx, req, 'fresh')).toBeUndefined();
    cache.store(ctx, req, completion, 10);
    await settle();
    return ctx;
  }
  return { cache, clock, store, miss };
}

describe('createResponseCache', () => {
  it('stores the answer without gantry_* usage fields, with its cost, and serves it as a hit', async () => {
    const { cache, miss } = setup();
    await miss(request());
    const ctx = context();
    const hit = await cache.lookup(ctx, request(), 'fresh');
    expect(ctx.cache).toBe('hit');
    expect(hit?.costMicros).toBe(10);
    expect(hit?.completion.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
    expect(hit?.completion.choices).toEqual(answer().choices);
  });

  it('stores under the key of the request as looked up (the output cap changes it later)', async () => {
    const { cache } = setup();
    const ctx = context();
    const req = request();
    await cache.lookup(ctx, req, 'fresh');
    req.max_tokens = 17; // what the caller's output cap does before the upstream call
    cache.store(ctx, req, answer(), 10);
    await settle();
    const again = context();
    expect(await cache.lookup(again, request(), 'fresh')).toBeDefined();
  });

  it('stores only complete answers, never after a client abort or from a fallback model', async () => {
    const { cache, miss } = setup();
    await miss(request('filtered'), answer('content_filter'));
    const aborted = context();
    await cache.lookup(aborted, request('aborted'), 'fresh');
    aborted.abort.abort('client went away');
    cache.store(aborted, request('aborted'), answer(), 10);
    const fallback = context();
    await cache.lookup(fallback, request('fallback'), 'fresh');
    fallback.servedModel = modelWith('other', EXACT);
    cache.store(fallback, request('fallback'), answer(), 10);
    const cutByClient = { ...request('cut at the limit'), max_tokens: 50 };
    await miss(cutByClient, answer('length'));
    await settle();
    for (const content of ['filtered', 'aborted', 'fallback']) {
      const ctx = context();
      expect(await cache.lookup(ctx, request(content), 'fresh')).toBeUndefined();
      expect(ctx.cache).toBe('miss');
    }
    expect(await cache.lookup(context(), { ...request('cut at the limit'), max_tokens: 50 }, 'fresh')).toBeDefined();
  });

  it('never stores an answer cut by an output cap the client did not ask for (a budget grant), stream or not', async () => {
    const { cache, miss } = setup();
    // No max_tokens: with a budget in scope Gantry sends the most the grant pays for, and a nearly
    // spent budget cuts the answer short. That answer is not what this request gets with money left.
    await miss(request('capped by the budget'), answer('length'));
    // Above the model's output limit (100): Gantry caps it too.
    await miss({ ...request('above the model limit'), max_tokens: 500 }, answer('length'));
    const streamed = context();
    const req = request('streamed and capped');
    await cache.lookup(streamed, req, 'fresh');
    const recorder = cache.recorder(streamed, req);
    recorder?.chunk({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { role: 'assistant', content: 'hel' }, finish_reason: null }] });
    recorder?.chunk({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    recorder?.finish(10);
    await settle();
    expect(await cache.lookup(context(), request('capped by the budget'), 'fresh')).toBeUndefined();
    expect(await cache.lookup(context(), { ...request('above the model limit'), max_tokens: 500 }, 'fresh')).toBeUndefined();
    expect(await cache.lookup(context(), request('streamed and capped'), 'fresh')).toBeUndefined();
    // A complete answer of the same request is stored as usual.
    await miss(request('capped by the budget'), answer('stop'));
    expect(await cache.lookup(context(), request('capped by the budget'), 'fresh')).toBeDefined();
  });

  it('a store that fails is a miss and a skipped write, never an error, and warns at most every 10 s', async () => {
    const warnings: string[] = [];
    const warn = (_o: unknown, msg?: string) => {
      warnings.push(msg ?? '');
    };
    const logger: Logger = { ...silentLogger, warn: warn as Logger['warn'] };
    const broken: CacheStore = {
      kind: 'broken',
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
      close: async () => {},
    };
    const { cache, clock } = setup({ store: broken, logger });
    const ctx = context();
    expect(await cache.lookup(ctx, request(), 'fresh')).toBeUndefined();
    expect(ctx.cache).toBe('miss');
    cache.store(ctx, request(), answer(), 10);
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/response cache could not be read/);
    clock.mono += 9_999;
    await cache.lookup(context(), request(), 'fresh');
    expect(warnings).toHaveLength(1);
    clock.mono += 1;
    await cache.lookup(context(), request(), 'fresh');
    expect(warnings).toHaveLength(2);
  });

  it('an unreadable entry is a miss', async () => {
    const { cache, store } = setup();
    const ctx = context();
    await cache.lookup(ctx, request(), 'fresh');
    const key = (await import('./cache-key.js')).cacheKey('team:a', 'm', request());
    expect(key).toMatch(/^team:a:m:/);
    await store.set(`team:team-a${key.slice('team:a'.length)}`, '{"not":"an answer"}', T + 1_000, T + 1_000);
    const again = context();
    expect(await cache.lookup(again, request(), 'fresh')).toBeUndefined();
    expect(again.cache).toBe('miss');
  });

  it('bypasses: no cache on the model, a team that opted out, no-store, n > 1 — and stores nothing then', async () => {
    const { cache, store } = setup();
    const optedOut = context();
    (optedOut as { snapshot: RuntimeSnapshot }).snapshot = { ...snapshot, cacheOptOutTeams: new Set(['team-a']) };
    const cases: [RequestContext, ChatCompletionRequest][] = [
      [context(null), request()],
      [optedOut, request()],
      [context(EXACT, { 'cache-control': 'No-Store' }), request()],
      [context(), { ...request(), n: 2 }],
    ];
    for (const [i, [ctx, req]] of cases.entries()) {
      expect(await cache.lookup(ctx, req, 'fresh')).toBeUndefined();
      expect([i, ctx.cache]).toEqual([i, 'bypass']);
      cache.store(ctx, req, answer(), 10);
      expect(cache.recorder(ctx, req)).toBeUndefined();
    }
    await settle();
    expect((store as ReturnType<typeof createMemoryCacheStore>).size).toBe(0);
  });

  it('stale lookups return expired answers within the stale window, only for requests that could read', async () => {
    const { cache, clock, miss } = setup();
    const staleCache = { ...EXACT, staleMs: 30_000 };
    await miss(request(), answer(), context(staleCache));
    clock.wall += 60_000;
    const fresh = context(staleCache);
    expect(await cache.lookup(fresh, request(), 'fresh')).toBeUndefined();
    expect(await cache.lookup(fresh, request(), 'stale')).toBeDefined();
    expect(fresh.cache).toBe('stale_hit');
    const noCache = context(staleCache, { 'cache-control': 'no-cache' });
    await cache.lookup(noCache, request(), 'fresh');
    expect(await cache.lookup(noCache, request(), 'stale')).toBeUndefined();
    clock.wall += 30_000;
    const late = context(staleCache);
    await cache.lookup(late, request(), 'fresh');
    expect(await cache.lookup(late, request(), 'stale')).toBeUndefined();
  });

  it('records a stream and stores the assembled answer when it finishes', async () => {
    const { cache } = setup();
    const ctx = context();
    await cache.lookup(ctx, request(), 'fresh');
    const rec = cache.recorder(ctx, request())!;
    const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'up' };
    rec.chunk({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    rec.chunk({ ...base, choices: [{ index: 0, delta: { content: 'hel' }, finish_reason: null }] });
    rec.chunk({ ...base, choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] });
    rec.finish(12);
    await settle();
    const hit = await cache.lookup(context(), request(), 'fresh');
    expect(hit).toMatchObject({ costMicros: 12, completion: { id: 'c', choices: [{ message: { content: 'hello' }, finish_reason: 'stop' }] } });
  });

  describe('with the semantic layer', () => {
    function fakeSemantic(match: SemanticProbe['match']) {
      const calls = { find: [] as string[], remember: [] as [string, string, number][] };
      const probe: SemanticProbe = { vector: new Float32Array([1, 0]), match };
      const layer: SemanticLayer = {
        async find(_ctx, _req, namespace) {
          calls.find.push(namespace);
          return probe;
        },
        remember(_ctx, namespace, p, key, expiresAt) {
          expect(p).toBe(probe);
          calls.remember.push([namespace, key, expiresAt]);
        },
      };
      return { layer, calls };
    }

    it('after an exact miss, serves the stored answer of a similar prompt as a semantic hit', async () => {
      const first = fakeSemantic(undefined);
      const { cache, store } = setup({ semantic: first.layer });
      const ctx = context(SEMANTIC);
      await cache.lookup(ctx, request('What is the capital of France?'), 'fresh');
      cache.store(ctx, request('What is the capital of France?'), answer(), 10);
      await settle();
      expect(first.calls.find).toEqual(['team:team-a']);
      expect(first.calls.remember).toHaveLength(1);
      const [namespace, key, expiresAt] = first.calls.remember[0]!;
      expect([namespace, expiresAt]).toEqual(['team:team-a', T + 60_000]);

      const second = fakeSemantic({ key, score: 0.95 });
      const cache2 = createResponseCache({ store, clock: { now: () => T, monotonic: () => 0 }, logger: silentLogger, semantic: second.layer });
      const paraphrase = context(SEMANTIC);
      const hit = await cache2.lookup(paraphrase, request("what's the capital of France"), 'fresh');
      expect(paraphrase.cache).toBe('semantic_hit');
      expect(hit?.costMicros).toBe(10);
      // An exact repeat never needs an embedding.
      const repeat = context(SEMANTIC);
      await cache2.lookup(repeat, request('What is the capital of France?'), 'fresh');
      expect(repeat.cache).toBe('hit');
      expect(second.calls.find).toHaveLength(1);
    });

    it('is not asked for models without spec.cache.semantic; a failing layer is a miss', async () => {
      const fake = fakeSemantic(undefined);
      const { cache } = setup({ semantic: fake.layer });
      await cache.lookup(context(EXACT), request(), 'fresh');
      expect(fake.calls.find).toHaveLength(0);

      const failing: SemanticLayer = { find: () => Promise.reject(new Error('embedding down')), remember: () => {} };
      const { cache: c2 } = setup({ semantic: failing });
      const ctx = context(SEMANTIC);
      expect(await c2.lookup(ctx, request(), 'fresh')).toBeUndefined();
      expect(ctx.cache).toBe('miss');
    });
  });
});
