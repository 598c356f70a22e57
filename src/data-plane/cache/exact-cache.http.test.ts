import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../../test/helpers/no-limits.js';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { systemClock } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { silentLogger } from '../../kernel/logger.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import { createMemoryCacheStore } from '../../storage/memory/cache-store.js';
import { createMessagesRoute } from '../protocols/anthropic/route.js';
import { DEFAULT_ROUTING } from '../routing/defaults.js';
import type { UpstreamCaller } from '../routing/upstream-caller.js';
import { createChatCompletionsRoute } from '../routes/chat-completions.js';
import { providerContext } from '../routes/route.js';
import type { CompiledCache, CompiledModel } from '../snapshot.js';
import { createResponseCache } from './exact-cache.js';

// The exact cache through real HTTP: the data plane with the simulator upstream, a memory store, and
// a cache clock the test moves (TTL and stale windows without waiting).
const KEYS = { a: 'gk_cache_team_a_0000000000000000000000', b: 'gk_cache_team_b_0000000000000000000000', c: 'gk_cache_team_c_0000000000000000000000' };
const hashKey = createKeyHasher('secret');
const PRICES = { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 };
const TTL = 60_000;
const STALE = 600_000;

let gateway: DataPlaneServer | undefined;
afterEach(() => gateway?.close());

function model(name: string, cache: CompiledCache | undefined, over: Partial<CompiledModel> = {}): CompiledModel {
  return compiledModel(
    {
      name,
      type: 'chat',
      deployments: [
        {
          provider: createSimulatorProvider({ name: 'simulator', instant: true }),
          target: { id: `simulator/${name}`, provider: 'simulator', upstreamModel: 'sim-small', timeouts: { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 }, faults: undefined },
        },
      ],
      pricing: { free: false, prices: PRICES, version: 'test' },
      limits: { maxOutputTokens: 4_096, contextWindow: undefined },
    },
    { cache, ...over },
  );
}

async function start() {
  let now = 1_800_000_000_000;
  const clock = { now: () => now, monotonic: () => systemClock.monotonic() };
  let down = false;
  // The first deployment, one call (this test is about the cache, not routing); `down` throws what the
  // resilient caller throws when every deployment is down.
  const deployment = (ctx: Parameters<UpstreamCaller['chat']>[0]) => {
    if (down) throw new GatewayError('GW_NO_HEALTHY_DEPLOYMENT', 'all down', { retryAfter: 5 });
    const d = ctx.model!.deployments[0]!;
    ctx.deployment = d;
    ctx.attempts++;
    return d.provider;
  };
  const caller: UpstreamCaller = {
    chat: async (ctx, req) => deployment(ctx).chat(req, providerContext(ctx)),
    chatStream: async (ctx, req) => deployment(ctx).chatStream(req, providerContext(ctx)),
    embeddings: async (ctx, req) => deployment(ctx).embeddings(req, providerContext(ctx)),
  };
  const exact: CompiledCache = { exact: { ttlMs: TTL }, semantic: undefined, shared: false, staleMs: STALE };
  const snapshot = testSnapshot({
    cacheOptOutTeams: new Set(['team-c']),
    models: new Map([
      ['cached', model('cached', exact, { routing: { ...DEFAULT_ROUTING, whenAllDown: 'cache' } })],
      ['shared', model('shared', { ...exact, shared: true })],
      ['plain', model('plain', undefined)],
    ]),
    keys: new Map([
      [hashKey(KEYS.a), { keyId: 'key_a', keyName: 'a', team: 'team-a' }],
      [hashKey(KEYS.b), { keyId: 'key_b', keyName: 'b', team: 'team-b' }],
      [hashKey(KEYS.c), { keyId: 'key_c', keyName: 'c', team: 'team-c' }],
    ]),
  });
  const store = createMemoryCacheStore();
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => {
      const deps = { meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 100_000, caller, cache: createResponseCache({ store, clock, logger: silentLogger }) };
      return { 'POST /v1/chat/completions': createChatCompletionsRoute(deps), 'POST /v1/messages': createMessagesRoute(deps) };
    },
  });
  const { url, events } = gateway;
  const post = async (body: unknown, opts: { key?: keyof typeof KEYS; headers?: Record<string, string>; path?: string } = {}) => {
    const res = await fetch(`${url}${opts.path ?? '/v1/chat/completions'}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS[opts.key ?? 'a']}`, 'content-type': 'application/json', ...opts.headers },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    const requestId = res.headers.get('x-gantry-request-id') ?? '';
    const event = await expect.poll(() => events.find((e) => e.requestId === requestId)).toBeDefined().then(() => events.find((e) => e.requestId === requestId)!);
    return { res, text, event, cache: res.headers.get('x-gantry-cache'), cost: res.headers.get('x-gantry-cost-usd') };
  };
  const openai = (key: keyof typeof KEYS = 'a') => new OpenAI({ baseURL: `${url}/v1`, apiKey: KEYS[key], maxRetries: 0 });
  return {
    url,
    post,
    openai,
    events,
    store,
    advance: (ms: number) => {
      now += ms;
    },
    setDown: (d: boolean) => {
      down = d;
    },
  };
}

const ask = (content: string, over: Record<string, unknown> = {}) => ({ model: 'cached', messages: [{ role: 'user', content }], temperature: 0, ...over });

describe('exact response cache over HTTP', () => {
  it('a repeat by the same team is a hit at $0 with the saving recorded; another team misses', async () => {
    const g = await start();
    const first = await g.post(ask('Tell me about lighthouses'));
    expect(first.res.status).toBe(200);
    expect(first.cache).toBe('miss');
    expect(first.event).toMatchObject({ cache: 'miss', savingsMicros: 0 });
    expect(first.event.costMicros).toBeGreaterThan(0);
    expect(Number(first.cost)).toBeGreaterThan(0);

    const second = await g.post(ask('Tell me about lighthouses'));
    expect(second.cache).toBe('hit');
    expect(second.cost).toBe('0.000000');
    expect(second.event).toMatchObject({ cache: 'hit', costMicros: 0, inputTokens: 0, outputTokens: 0, savingsMicros: first.event.costMicros, attempts: 0 });
    const a = JSON.parse(first.text) as { id: string; choices: unknown; usage: Record<string, unknown> };
    const b = JSON.parse(second.text) as { id: string; choices: unknown; usage: Record<string, unknown> };
    expect(b.id).toBe(a.id);
    expect(b.choices).toEqual(a.choices);
    // The answer's usage as first served, with this request's cost ($0).
    expect(b.usage).toMatchObject({ prompt_tokens: a.usage.prompt_tokens, completion_tokens: a.usage.completion_tokens, gantry_cost_usd: '0.000000' });

    const other = await g.post(ask('Tell me about lighthouses'), { key: 'b' });
    expect(other.cache).toBe('miss');
    expect(other.event.costMicros).toBeGreaterThan(0);
    expect((await g.post(ask('Tell me about lighthouses'), { key: 'b' })).cache).toBe('hit');
  });

  it('a shareable model answers every team from one namespace', async () => {
    const g = await start();
    expect((await g.post(ask('Shared knowledge', { model: 'shared' }))).cache).toBe('miss');
    expect((await g.post(ask('Shared knowledge', { model: 'shared' }), { key: 'b' })).cache).toBe('hit');
  });

  it('cache-control: no-store neither reads nor writes; no-cache skips the read but stores the fresh answer', async () => {
    const g = await start();
    const noStore = await g.post(ask('Directive test'), { headers: { 'cache-control': 'no-store' } });
    expect(noStore.cache).toBe('bypass');
    expect(noStore.event.cache).toBe('bypass');
    expect((await g.post(ask('Directive test'))).cache).toBe('miss'); // nothing was written
    expect((await g.post(ask('Directive test'), { headers: { 'cache-control': 'max-age=0, no-store' } })).cache).toBe('bypass');
    expect((await g.post(ask('Directive test'))).cache).toBe('hit');

    const noCache = await g.post(ask('Revalidate me'), { headers: { 'cache-control': 'no-cache' } });
    expect(noCache.cache).toBe('bypass');
    expect(noCache.event.costMicros).toBeGreaterThan(0);
    expect((await g.post(ask('Revalidate me'))).cache).toBe('hit');
  });

  it('bypasses for a team with the cache disabled, a model without cache, and n > 1', async () => {
    const g = await start();
    for (let i = 0; i < 2; i++) expect((await g.post(ask('Opted out'), { key: 'c' })).cache).toBe('bypass');
    for (let i = 0; i < 2; i++) expect((await g.post(ask('No cache here', { model: 'plain' }))).cache).toBe('bypass');
    for (let i = 0; i < 2; i++) expect((await g.post(ask('Two answers', { n: 2 }))).cache).toBe('bypass');
    expect(g.store.size).toBe(0);
  });

  it('a hit is served to an OpenAI SDK stream as a replayed stream, with usage at $0', async () => {
    const g = await start();
    const first = await g.post(ask('Stream me a story'));
    const original = JSON.parse(first.text) as { id: string; choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
    const { data: stream, response } = await g
      .openai()
      .chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: 'Stream me a story' }], temperature: 0, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    expect(response.headers.get('x-gantry-cache')).toBe('hit');
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    const ids = new Set<string>();
    for await (const chunk of stream) {
      ids.add(chunk.id);
      text += chunk.choices[0]?.delta?.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(original.choices[0]!.message.content);
    expect(finish).toBe(original.choices[0]!.finish_reason);
    expect([...ids]).toEqual([original.id]);
    expect(usage?.completion_tokens).toBe(original.usage.completion_tokens);
    expect((usage as unknown as Record<string, string>).gantry_cost_usd).toBe('0.000000');
  });

  it('a streamed miss is stored, and a later non-stream request hits it with the same answer', async () => {
    const g = await start();
    const client = g.openai();
    const stream = await client.chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: 'Weather poem' }], temperature: 0, stream: true });
    let streamed = '';
    let id = '';
    for await (const chunk of stream) {
      id ||= chunk.id;
      streamed += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(streamed.length).toBeGreaterThan(0);
    const { data, response } = await client.chat.completions.create({ model: 'cached', messages: [{ role: 'user', content: 'Weather poem' }], temperature: 0 }).withResponse();
    expect(response.headers.get('x-gantry-cache')).toBe('hit');
    expect(data.id).toBe(id);
    expect(data.choices[0]?.message.content).toBe(streamed);
    const requestId = response.headers.get('x-gantry-request-id');
    const miss = g.events.find((e) => e.stream && e.cache === 'miss')!;
    await expect.poll(() => g.events.find((e) => e.requestId === requestId)).toMatchObject({ cache: 'hit', costMicros: 0, savingsMicros: miss.costMicros });
  });

  it('an answer expires after its TTL; past it, only a model that is down serves it (stale) until the stale window ends', async () => {
    const g = await start();
    expect((await g.post(ask('Expiring'))).cache).toBe('miss');
    g.advance(TTL - 1);
    expect((await g.post(ask('Expiring'))).cache).toBe('hit');
    g.advance(1);
    const expired = await g.post(ask('Expiring'));
    expect(expired.cache).toBe('miss'); // and stored again, fresh for another TTL
    g.advance(TTL + 1);
    g.setDown(true);
    const stale = await g.post(ask('Expiring'));
    expect(stale.res.status).toBe(200);
    expect(stale.cache).toBe('hit');
    expect(stale.event).toMatchObject({ cache: 'stale_hit', costMicros: 0 });
    expect(stale.event.savingsMicros).toBeGreaterThan(0);
    // Never seen: the outage is the client's error.
    const unseen = await g.post(ask('Never asked before'));
    expect(unseen.res.status).toBe(503);
    expect(JSON.parse(unseen.text)).toMatchObject({ error: { code: 'GW_NO_HEALTHY_DEPLOYMENT' } });
    g.advance(STALE);
    expect((await g.post(ask('Expiring'))).res.status).toBe(503);
  });

  it('a no-store request is not served stale either', async () => {
    const g = await start();
    await g.post(ask('Careful'));
    g.advance(TTL);
    g.setDown(true);
    expect((await g.post(ask('Careful'), { headers: { 'cache-control': 'no-store' } })).res.status).toBe(503);
  });

  it('the Anthropic endpoint carries x-gantry-cache and is served from the cache too', async () => {
    const g = await start();
    const body = { model: 'cached', max_tokens: 100, messages: [{ role: 'user', content: 'Anthropic style' }] };
    const first = await g.post(body, { path: '/v1/messages' });
    expect(first.res.status).toBe(200);
    expect(first.cache).toBe('miss');
    const second = await g.post(body, { path: '/v1/messages' });
    expect(second.cache).toBe('hit');
    expect((JSON.parse(second.text) as { content: unknown }).content).toEqual((JSON.parse(first.text) as { content: unknown }).content);
    expect(second.event).toMatchObject({ cache: 'hit', costMicros: 0 });
  });
});
