import { NO_LIMITS } from '../../test/helpers/no-limits.js';
import type { CancelSignal } from '../kernel/cancellation.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyHasher } from '../kernel/api-keys.js';
import { systemClock } from '../kernel/clock.js';
import { GatewayError } from '../kernel/errors/index.js';
import type { ChatCompletionChunk } from '../kernel/wire/openai.js';
import type { Provider } from '../providers/contract.js';
import { createChatCompletionsRoute } from './routes/chat-completions.js';
import { createListModelsRoute } from './routes/models.js';
import { compiledModel, PLAIN_UPSTREAM, testSnapshot } from '../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../test/helpers/data-plane-server.js';

const KEY = 'gk_unit_test_key_000000000000000000000';
const hashKey = createKeyHasher('secret');

function chunk(content: string | undefined, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk {
  return {
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'up',
    choices: content === undefined ? [] : [{ index: 0, delta: { content }, finish_reason: null }],
    ...extra,
  };
}

/** A scripted provider: what the upstream would do, without any network. */
function fakeProvider(script: { chunks?: ChatCompletionChunk[]; failAfter?: number; error?: GatewayError; hang?: boolean }): Provider & { calls: number } {
  const p = {
    name: 'fake',
    type: 'fake',
    calls: 0,
    async chat(_req: unknown, ctx: { signal: CancelSignal }) {
      p.calls++;
      if (script.error) throw script.error;
      if (script.hang) {
        await new Promise((_r, reject) => {
          if (ctx.signal.aborted) reject(ctx.signal.reason);
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        });
      }
      return {
        id: 'x',
        object: 'chat.completion' as const,
        created: 1,
        model: 'up',
        choices: [{ index: 0, message: { role: 'assistant' as const, content: 'hello world' }, finish_reason: 'stop' as const }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
      };
    },
    async chatStream(_req: unknown, ctx: { signal: CancelSignal }) {
      p.calls++;
      if (script.error && script.failAfter === undefined) throw script.error;
      return (async function* () {
        let i = 0;
        for (const c of script.chunks ?? []) {
          if (script.failAfter !== undefined && i++ >= script.failAfter) throw script.error ?? new Error('cut');
          yield c;
          await new Promise((r) => setTimeout(r, 5));
        }
        if (script.hang) {
          // Like a real provider: honour an abort that already happened, and one that comes later.
          await new Promise((_r, reject) => {
            if (ctx.signal.aborted) reject(ctx.signal.reason);
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          });
        }
      })();
    },
    async embeddings(): Promise<never> {
      throw new Error('no');
    },
    async close() {},
  };
  return p;
}

let gateway: DataPlaneServer | undefined;
afterEach(() => gateway?.close());

async function start(provider: Provider, opts: { priced?: boolean } = {}) {
  const snapshot = testSnapshot({
    models: new Map([
      [
        'm',
        compiledModel({
          name: 'm',
          type: 'chat',
          deployments: [
            {
              provider,
              target: { id: 'fake/up', provider: 'fake', upstreamModel: 'up', timeouts: { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 }, faults: undefined },
            },
          ],
          pricing:
            opts.priced === false
              ? undefined
              : { free: false, prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 }, version: 'test' }, limits: { maxOutputTokens: 4096, contextWindow: undefined },
        }),
      ],
    ]),
    keys: new Map([[hashKey(KEY), { keyId: 'key_1', keyName: 'k', team: 'team-a' }]]),
  });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => ({
      'POST /v1/chat/completions': createChatCompletionsRoute({ meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 10_000, ...PLAIN_UPSTREAM }),
      'GET /v1/models': createListModelsRoute(),
    }),
  });
  const { url, events, dataPlane: dp } = gateway;
  const post = (body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
    });
  return { url, post, events, dp };
}

const msg = [{ role: 'user', content: 'hi there' }];

describe('data plane', () => {
  it('serves a non-stream call, prices it exactly and meters one event', async () => {
    const { post, events } = await start(fakeProvider({}));
    const res = await post({ model: 'm', messages: msg });
    expect(res.status).toBe(200);
    // 10 input × $1/M + 2 output × $2/M = 14 micros
    expect(res.headers.get('x-gantry-cost-usd')).toBe('0.000014');
    expect(res.headers.get('x-gantry-route')).toBe('fake/up');
    const body = (await res.json()) as { usage: Record<string, unknown> };
    expect(body.usage.gantry_cost_usd).toBe('0.000014');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ team: 'team-a', keyId: 'key_1', costMicros: 14, outcome: 'completed', inputTokens: 10, outputTokens: 2, priceVersion: 'test' });
  });

  it('refuses without calling the provider when the key is bad or the model unpriced', async () => {
    const provider = fakeProvider({});
    const { post, events } = await start(provider, { priced: false });
    expect((await post({ model: 'm', messages: msg }, { authorization: 'Bearer gk_nope_nope_nope_nope_nope_nope' })).status).toBe(401);
    expect((await post({ model: 'm', messages: msg })).status).toBe(403);
    expect(provider.calls).toBe(0);
    expect(events.map((e) => e.errorCode)).toEqual(['GW_MODEL_UNPRICED']);
  });

  it('streams, holds back the usage chunk unless asked, and estimates usage when the upstream sends none', async () => {
    const chunks = [chunk('Hello'), chunk(' world'), { ...chunk(undefined), choices: [{ index: 0, delta: {}, finish_reason: 'stop' as const }] }];
    const { post, events } = await start(fakeProvider({ chunks }));
    const res = await post({ model: 'm', messages: msg, stream: true });
    const text = await res.text();
    expect(text).toContain('"content":"Hello"');
    expect(text).not.toContain('"usage"');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(events[0]).toMatchObject({ stream: true, usageEstimated: true, outcome: 'completed', outputTokens: 2 });
    expect(events[0]?.ttftMs).toBeGreaterThan(0);

    const withUsage = await post({ model: 'm', messages: msg, stream: true, stream_options: { include_usage: true } });
    const frames = (await withUsage.text()).split('\n\n').filter((f) => f.startsWith('data: {'));
    const last = JSON.parse(frames.at(-1)!.slice(6)) as { choices: unknown[]; usage: Record<string, unknown> };
    expect(last.choices).toEqual([]);
    expect(last.usage.gantry_usage_estimated).toBe(true);
    expect(Number(last.usage.gantry_cost_usd)).toBeGreaterThan(0);
  });

  it('reports a mid-stream upstream failure in-band and meters what was delivered', async () => {
    const chunks = [chunk('one'), chunk(' two'), chunk(' three')];
    const { post, events } = await start(fakeProvider({ chunks, failAfter: 2, error: new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED') }));
    const res = await post({ model: 'm', messages: msg, stream: true });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('"code":"GW_UPSTREAM_STREAM_INTERRUPTED"');
    expect(text).not.toContain('[DONE]');
    expect(events[0]).toMatchObject({ outcome: 'upstream_error', errorCode: 'GW_UPSTREAM_STREAM_INTERRUPTED', outputTokens: 2, usageEstimated: true });
  });

  it('answers a pre-stream upstream error with its status, never 200', async () => {
    const { post } = await start(fakeProvider({ error: new GatewayError('GW_UPSTREAM_TIMEOUT') }));
    const res = await post({ model: 'm', messages: msg, stream: true });
    expect(res.status).toBe(504);
  });

  it('aborts the upstream when the client disconnects, and meters the partial stream', async () => {
    const { post, events, dp } = await start(fakeProvider({ chunks: [chunk('partial'), chunk(' answer')], hang: true }));
    const controller = new AbortController();
    const res = await post({ model: 'm', messages: msg, stream: true }, {}, controller.signal);
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events[0]).toMatchObject({ outcome: 'client_aborted', usageEstimated: true });
    expect(events[0]?.outputTokens).toBeGreaterThan(0);
    expect(dp.inFlight()).toBe(0);
  });

  it('bills the input of a non-stream request whose client left before the answer (never $0)', async () => {
    const { post, events, dp } = await start(fakeProvider({ hang: true }));
    const controller = new AbortController();
    const pending = post({ model: 'm', messages: msg }, {}, controller.signal).catch(() => undefined);
    for (let i = 0; i < 100 && dp.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await pending;
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(events[0]).toMatchObject({ outcome: 'client_aborted', usageEstimated: true, outputTokens: 0 });
    expect(events[0]?.inputTokens).toBeGreaterThan(0);
    expect(events[0]?.costMicros).toBeGreaterThan(0);
  });

  it('drains: new requests get 503 while in-flight ones finish', async () => {
    const { post, dp } = await start(fakeProvider({}));
    dp.startDraining();
    const res = await post({ model: 'm', messages: msg });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('GW_SHUTTING_DOWN');
  });
});
