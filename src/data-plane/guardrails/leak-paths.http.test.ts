import { afterEach, describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../../test/helpers/no-limits.js';
import { compileGuardrail } from '../../control-plane/snapshot/compile-guardrails.js';
import type { GuardrailSpec } from '../../control-plane/resources/kinds/guardrail.js';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { systemClock } from '../../kernel/clock.js';
import { silentLogger } from '../../kernel/logger.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { newRequestContext } from '../context.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import { createMemoryCacheStore } from '../../storage/memory/cache-store.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { createResponseCache } from '../cache/exact-cache.js';
import type { UpstreamCaller } from '../routing/upstream-caller.js';
import { createChatCompletionsRoute } from '../routes/chat-completions.js';
import { providerContext } from '../routes/route.js';
import type { CompiledCache } from '../snapshot.js';
import { createGuardrailPipeline } from './index.js';

const KEYS = { a: 'gk_review_team_a_000000000000000000000', b: 'gk_review_team_b_000000000000000000000' };
const hashKey = createKeyHasher('secret');
const EMAIL = 'jane.doe@example.com';

let gateway: DataPlaneServer | undefined;
afterEach(() => gateway?.close());

async function start(guardrails: Record<string, GuardrailSpec>, cache?: CompiledCache) {
  const seen: ChatCompletionRequest[] = [];
  const first = (ctx: Parameters<UpstreamCaller['chat']>[0]) => {
    const d = ctx.model!.deployments[0]!;
    ctx.deployment = d;
    ctx.attempts++;
    return d.provider;
  };
  const caller: UpstreamCaller = {
    chat: async (ctx, req) => {
      seen.push(structuredClone(req));
      return first(ctx).chat(req, providerContext(ctx));
    },
    chatStream: async (ctx, req) => {
      seen.push(structuredClone(req));
      return first(ctx).chatStream(req, providerContext(ctx));
    },
    embeddings: async (ctx, req) => first(ctx).embeddings(req, providerContext(ctx)),
  };
  const echo = compiledModel(
    {
      name: 'echo',
      type: 'chat',
      deployments: [
        {
          provider: createSimulatorProvider({ name: 'simulator', instant: true }),
          target: { id: 'simulator/echo', provider: 'simulator', upstreamModel: 'sim-echo', timeouts: { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 }, faults: undefined },
        },
      ],
      pricing: { free: false, prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 }, version: 'test' },
      limits: { maxOutputTokens: 4_096, contextWindow: undefined },
    },
    { cache },
  );
  const snapshot = testSnapshot({
    guardrails: Object.entries(guardrails).map(([name, spec]) => compileGuardrail(name, spec)),
    models: new Map([['echo', echo]]),
    keys: new Map([
      [hashKey(KEYS.a), { keyId: 'key_a', keyName: 'a', team: 'team-a' }],
      [hashKey(KEYS.b), { keyId: 'key_b', keyName: 'b', team: 'team-b' }],
    ]),
  });
  const store = createMemoryCacheStore();
  const pipeline = createGuardrailPipeline({ channels: telemetryChannels() });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => {
      const deps = { meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 100_000, caller, cache: createResponseCache({ store, clock: systemClock, logger: silentLogger }), guardrails: pipeline };
      return { 'POST /v1/chat/completions': createChatCompletionsRoute(deps) };
    },
  });
  const { url, events } = gateway;
  const post = async (body: unknown, key: keyof typeof KEYS = 'a') => {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEYS[key]}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    const requestId = res.headers.get('x-gantry-request-id') ?? '';
    await expect.poll(() => events.some((e) => e.requestId === requestId)).toBe(true);
    return { res, text, event: events.find((e) => e.requestId === requestId)!, cache: res.headers.get('x-gantry-cache') };
  };
  return { post, seen, snapshot };
}

const ask = (content: string, over: Record<string, unknown> = {}) => ({ model: 'echo', messages: [{ role: 'user', content }], temperature: 0, ...over });

describe('guardrail leak paths', () => {
  it('a shared cache does not serve team-b\'s unredacted answer to team-a whose output guardrail redacts', async () => {
    const g = await start({ 'out-a': { action: 'redact', stages: ['output'], appliesTo: { teams: ['team-a'] }, detectors: { pii: ['email'] } } }, { exact: { ttlMs: 60_000 }, semantic: undefined, shared: true, staleMs: 0 });
    const b = await g.post(ask(`mail ${EMAIL}`), 'b');
    expect(b.text).toContain(EMAIL);
    const a = await g.post(ask(`mail ${EMAIL}`), 'a');
    expect(a.res.status).toBe(200);
    expect(a.text).not.toContain(EMAIL);
    const s = await g.post(ask(`mail ${EMAIL}`, { stream: true }), 'a');
    expect(s.text).not.toContain(EMAIL);
  });

  it('tool-call arguments in the conversation are redacted before the upstream', async () => {
    const g = await start({ pii: { action: 'redact', detectors: { pii: ['email'] } } });
    const r = await g.post({
      model: 'echo',
      messages: [
        { role: 'user', content: 'send it' },
        { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'send', arguments: JSON.stringify({ to: EMAIL }) } }] },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
        { role: 'user', content: 'thanks' },
      ],
    });
    expect(r.res.status).toBe(200);
    expect(JSON.stringify(g.seen)).not.toContain(EMAIL);
  });

  it('tool-call arguments in a non-stream answer are redacted by an output guardrail', async () => {
    const g = compileGuardrail('out', { action: 'redact', stages: ['output'], detectors: { pii: ['email'] } });
    const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot: testSnapshot({ guardrails: [g] }) });
    const answer: ChatCompletion = {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'send', arguments: JSON.stringify({ to: EMAIL }) } }] }, finish_reason: 'tool_calls' }],
    };
    const out = await createGuardrailPipeline().chatOutput(ctx, { model: 'm', messages: [] }, answer, async () => answer);
    expect(JSON.stringify(out)).not.toContain(EMAIL);
    expect(JSON.parse(out.choices[0]!.message.tool_calls![0]!.function.arguments)).toEqual({ to: '[REDACTED:pii.email]' });
  });

  it('a jsonOutput retry that succeeds records no block (no guardrail.block audit entry, no block metric)', async () => {
    const g = compileGuardrail('json', { action: 'block', stages: ['output'], detectors: { jsonOutput: true } });
    const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot: testSnapshot({ guardrails: [g] }) });
    const answer = (content: string): ChatCompletion => ({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
    const request: ChatCompletionRequest = { model: 'm', messages: [], response_format: { type: 'json_object' } };
    const out = await createGuardrailPipeline().chatOutput(ctx, request, answer('not json'), async () => answer('{"a":1}'));
    expect(out.choices[0]!.message.content).toBe('{"a":1}');
    expect(ctx.guardrailHits.filter((h) => h.action === 'block')).toEqual([]);
    expect(ctx.guardrailHits).toEqual([{ guardrail: 'json', stage: 'output', rule: 'json_output', action: 'flag', count: 1 }]);
  });

  it('odd content parts do not crash', async () => {
    await start({ pii: { action: 'redact', detectors: { pii: ['email'] } } });
    for (const content of [[null], [1], [{ type: 'text', text: 5 }], [{ type: 'text' }], 5, { a: 1 }]) {
      const res = await fetch(`${gateway!.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEYS.a}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content }] }) });
      expect(res.status, `${JSON.stringify(content)} ${await res.text()}`).toBeLessThan(500);
    }
  });
});
