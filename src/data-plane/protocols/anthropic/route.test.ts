import { afterEach, describe, expect, it } from 'vitest';
import { compiledModel, PLAIN_UPSTREAM, testSnapshot } from '../../../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../../../test/helpers/no-limits.js';
import { createKeyHasher } from '../../../kernel/api-keys.js';
import { systemClock } from '../../../kernel/clock.js';
import { upstreamStatusError } from '../../../kernel/errors/index.js';
import type { ChatCompletionRequest } from '../../../kernel/wire/openai.js';
import type { Provider } from '../../../providers/contract.js';
import type { CompiledRoute, RuntimeSnapshot } from '../../snapshot.js';
import { createMessagesRoute } from './route.js';

const KEY = 'gk_messages_route_test_0123456789abcdef';
const hashKey = createKeyHasher('messages-route');

/** A provider of the given type that records what it was sent and answers, or fails with a 500. */
function provider(type: string, fail: boolean): Provider & { sent: ChatCompletionRequest[] } {
  const p = {
    name: type,
    type,
    sent: [] as ChatCompletionRequest[],
    async chat(request: ChatCompletionRequest) {
      p.sent.push(request);
      if (fail) throw upstreamStatusError(500, 'down');
      return { id: 'c', object: 'chat.completion' as const, created: 1, model: 'up', choices: [{ index: 0, message: { role: 'assistant' as const, content: 'hi' }, finish_reason: 'stop' as const }] };
    },
    async chatStream(): Promise<never> {
      throw new Error('not used');
    },
    async embeddings(): Promise<never> {
      throw new Error('not used');
    },
    async close() {},
  };
  return p;
}

let gateway: DataPlaneServer | undefined;
afterEach(() => gateway?.close());

async function start(providers: Provider[], routes: RuntimeSnapshot['routes'] = new Map()): Promise<string> {
  const timeouts = { connectMs: 5000, headersMs: 5000, bodyIdleMs: 5000 };
  const deployments = providers.map((p, i) => ({ provider: p, target: { id: `d${i}`, provider: p.name, upstreamModel: 'up', timeouts, faults: undefined } }));
  const m = compiledModel({ name: 'mixed', type: 'chat', deployments, pricing: { free: true, version: 't' }, limits: { maxOutputTokens: 4096, contextWindow: undefined } });
  const snapshot = testSnapshot({
    routes,
    models: new Map([['mixed', m]]),
    keys: new Map([[hashKey(KEY), { keyId: 'k', keyName: 'k', team: 't' }]]),
  });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => ({ 'POST /v1/messages': createMessagesRoute({ meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 1_000_000, ...PLAIN_UPSTREAM }) }),
  });
  return gateway.url;
}

const post = (url: string, body: Record<string, unknown>) =>
  fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mixed', max_tokens: 64, ...body }) });

describe('/v1/messages on a model with deployments of several provider types', () => {
  it('sends no Anthropic-only fields to a deployment that is not Anthropic (here: the one it fails over to)', async () => {
    const anthropic = provider('anthropic', true);
    const openai = provider('openai-compatible', false);
    const url = await start([anthropic, openai]);
    const res = await post(url, {
      cache_control: { type: 'ephemeral' },
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello', cache_control: { type: 'ephemeral' } }] }],
    });
    expect(res.status).toBe(200);
    expect(openai.sent).toHaveLength(1);
    const sent = JSON.stringify(openai.sent[0]);
    expect(sent).not.toContain('cache_control');
    expect(sent).not.toContain('thinking');
  });

  it('refuses an assistant prefill unless every deployment is Anthropic (another would answer afresh)', async () => {
    const url = await start([provider('anthropic', false), provider('openai-compatible', false)]);
    const res = await post(url, { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Sure:' }] });
    expect(res.status).toBe(400);
  });

  it('keeps Anthropic-only fields when every deployment is Anthropic', async () => {
    const a = provider('anthropic', false);
    const url = await start([a, provider('anthropic', false)]);
    const res = await post(url, { thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    expect(a.sent[0]).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 1024 } });
  });

  it('lets a Route decide on a request with an assistant prefill (the Anthropic model it picks serves it)', async () => {
    const a = provider('anthropic', false);
    const route = { name: 'auto', targets: ['mixed'], baseline: undefined, sticky: 'none', decide: () => ({ model: 'mixed', reason: 'default' }) } as unknown as CompiledRoute;
    const url = await start([a], new Map([['auto', route]]));
    const res = await post(url, { model: 'auto', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Sure:' }] });
    expect(res.status).toBe(200);
    expect(a.sent[0]?.messages.at(-1)).toMatchObject({ role: 'assistant', content: 'Sure:' });
  });
});
