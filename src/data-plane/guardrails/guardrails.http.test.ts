import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../../../test/helpers/data-plane-server.js';
import { NO_LIMITS } from '../../../test/helpers/no-limits.js';
import { compileGuardrail } from '../../control-plane/snapshot/compile-guardrails.js';
import type { GuardrailSpec } from '../../control-plane/resources/kinds/guardrail.js';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { systemClock } from '../../kernel/clock.js';
import type { ChatCompletion } from '../../kernel/wire/openai.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import { createPrometheusMetrics } from '../../telemetry/prometheus/metrics.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { NO_CACHE } from '../cache/response-cache.js';
import type { UpstreamCaller } from '../routing/upstream-caller.js';
import { createChatCompletionsRoute } from '../routes/chat-completions.js';
import { createEmbeddingsRoute } from '../routes/embeddings.js';
import { providerContext } from '../routes/route.js';
import { createGuardrailPipeline } from './index.js';

// Guardrails through real HTTP: the data plane with the simulator's sim-echo model, which answers
// with the last user message exactly as it reached the upstream.
const KEY = 'gk_guard_team_a_00000000000000000000000';
const hashKey = createKeyHasher('secret');
const EMAIL = 'jane.doe@example.com';
const AWS = 'AKIAIOSFODNN7EXAMPLE';

let gateway: DataPlaneServer | undefined;
let hook: Server | undefined;
afterEach(() => {
  gateway?.close();
  hook?.close();
  hook = undefined;
});

function echoModel(name: string, upstreamModel: string) {
  return compiledModel({
    name,
    type: name === 'embed' ? 'embedding' : 'chat',
    deployments: [
      {
        provider: createSimulatorProvider({ name: 'simulator', instant: true }),
        target: { id: `simulator/${name}`, provider: 'simulator', upstreamModel, timeouts: { connectMs: 1_000, headersMs: 5_000, bodyIdleMs: 5_000 }, faults: undefined },
      },
    ],
    pricing: { free: false, prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 }, version: 'test' },
    limits: { maxOutputTokens: 4_096, contextWindow: undefined },
  });
}

async function start(guardrails: Record<string, GuardrailSpec>, opts: { chat?: UpstreamCaller['chat'] } = {}) {
  const seen: string[] = [];
  const first = (ctx: Parameters<UpstreamCaller['chat']>[0]) => {
    const d = ctx.model!.deployments[0]!;
    ctx.deployment = d;
    ctx.attempts++;
    return d.provider;
  };
  const caller: UpstreamCaller = {
    chat: opts.chat ?? (async (ctx, req) => first(ctx).chat(req, providerContext(ctx))),
    chatStream: async (ctx, req) => first(ctx).chatStream(req, providerContext(ctx)),
    embeddings: async (ctx, req) => {
      seen.push(JSON.stringify(req.input));
      return first(ctx).embeddings(req, providerContext(ctx));
    },
  };
  const snapshot = testSnapshot({
    guardrails: Object.entries(guardrails).map(([name, spec]) => compileGuardrail(name, spec)),
    models: new Map([
      ['echo', echoModel('echo', 'sim-echo')],
      ['embed', echoModel('embed', 'sim-embed')],
    ]),
    keys: new Map([[hashKey(KEY), { keyId: 'key_a', keyName: 'a', team: 'team-a' }]]),
  });
  const channels = telemetryChannels();
  const pipeline = createGuardrailPipeline({ channels });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => {
      const deps = { meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 100_000, caller, cache: NO_CACHE, guardrails: pipeline };
      return { 'POST /v1/chat/completions': createChatCompletionsRoute(deps), 'POST /v1/embeddings': createEmbeddingsRoute(deps) };
    },
  });
  const { url, events } = gateway;
  const post = async (body: unknown, path = '/v1/chat/completions') => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    const requestId = res.headers.get('x-gantry-request-id') ?? '';
    await expect.poll(() => events.some((e) => e.requestId === requestId)).toBe(true);
    return { res, text, event: events.find((e) => e.requestId === requestId)! };
  };
  return { post, seen };
}

const ask = (content: string, over: Record<string, unknown> = {}) => ({ model: 'echo', messages: [{ role: 'user', content }], ...over });
const redactEmail: GuardrailSpec = { action: 'redact', detectors: { pii: ['email'] } };

/** The text content of an SSE stream's chunks, one entry per chunk, and an in-band error if any. */
function sseContents(text: string): { pieces: string[]; error: { code?: string; message?: string } | undefined } {
  const pieces: string[] = [];
  let error: { code?: string; message?: string } | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const data = JSON.parse(line.slice(6));
    if (data.error) error = data.error;
    for (const c of data.choices ?? []) if (typeof c.delta?.content === 'string') pieces.push(c.delta.content);
  }
  return { pieces, error };
}

describe('input guardrails', () => {
  it('redacts an email before the upstream sees it, and records the evidence without the value', async () => {
    const g = await start({ 'pii-redact': redactEmail });
    const { res, text, event } = await g.post(ask(`Write to ${EMAIL} about the invoice.`));
    expect(res.status).toBe(200);
    const answer = (JSON.parse(text) as ChatCompletion).choices[0]!.message.content;
    expect(answer).toBe('Write to [REDACTED:pii.email] about the invoice.');
    expect(text).not.toContain(EMAIL);
    expect(event.guardrails).toBe('pii-redact/input/pii.email:redact×1');
    expect(JSON.stringify(event)).not.toContain(EMAIL);
  });

  it('applies only where appliesTo matches (another team is not redacted)', async () => {
    const g = await start({ 'other-team': { ...redactEmail, appliesTo: { teams: ['team-b'] } } });
    const { text, event } = await g.post(ask(`mail ${EMAIL}`));
    expect((JSON.parse(text) as ChatCompletion).choices[0]!.message.content).toBe(`mail ${EMAIL}`);
    expect(event.guardrails).toBeUndefined();
  });

  it('blocks with 400 GW_GUARDRAIL_BLOCKED naming the guardrail and rule, never the text; the hit is a metric', async () => {
    const metrics = createPrometheusMetrics({ defaultMetrics: false });
    try {
      const g = await start({ 'no-secrets': { action: 'block', detectors: { secrets: 'all' } } });
      const { res, text, event } = await g.post(ask(`my key is ${AWS} please use it`));
      expect(res.status).toBe(400);
      const body = JSON.parse(text) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('GW_GUARDRAIL_BLOCKED');
      expect(body.error.message).toContain('Guardrail "no-secrets" blocked the input: secret.aws_key (1)');
      expect(text).not.toContain(AWS);
      expect(event.errorCode).toBe('GW_GUARDRAIL_BLOCKED');
      expect(event.guardrails).toBe('no-secrets/input/secret.aws_key:block×1');
      const { body: scrape } = await metrics.render();
      expect(scrape).toContain('gantry_guardrail_hits_total{guardrail="no-secrets",rule="secret.aws_key",action="block",stage="input"} 1');
    } finally {
      metrics.close();
    }
  });

  it('blocks an input over maxInputBytes and flags keywords without changing the text', async () => {
    const g = await start({ big: { action: 'block', detectors: { maxInputBytes: 50 } }, topics: { action: 'flag', detectors: { keywords: ['Merger'] } } });
    const blocked = await g.post(ask('x'.repeat(51)));
    expect(blocked.res.status).toBe(400);
    expect(blocked.text).toContain('max_input');
    const flagged = await g.post(ask('about the merger plan'));
    expect(flagged.res.status).toBe(200);
    expect((JSON.parse(flagged.text) as ChatCompletion).choices[0]!.message.content).toBe('about the merger plan');
    expect(flagged.event.guardrails).toBe('topics/input/keyword:flag×1');
  });

  it('redacts embeddings input before the upstream', async () => {
    const g = await start({ 'pii-redact': redactEmail });
    const { res } = await g.post({ model: 'embed', input: [`hello ${EMAIL}`, 'plain'] }, '/v1/embeddings');
    expect(res.status).toBe(200);
    expect(g.seen).toEqual(['["hello [REDACTED:pii.email]","plain"]']);
  });
});

describe('output guardrails', () => {
  it('a secret split across stream chunks is never emitted in any chunk', async () => {
    const g = await start({ 'out-redact': { action: 'redact', stages: ['output'], detectors: { secrets: ['aws_key'], pii: ['email'] } } });
    // Longer than the hold-back window on both sides: text is emitted before and after the secret.
    const filler = 'the quick brown fox jumps over the lazy dog '.repeat(10);
    const { res, text, event } = await g.post(ask(`${filler}Here: ${AWS} and ${EMAIL} done. ${filler}`, { stream: true }));
    expect(res.status).toBe(200);
    const { pieces, error } = sseContents(text);
    expect(error).toBeUndefined();
    expect(pieces.filter((p) => p.length > 0).length).toBeGreaterThan(3); // it did stream in pieces
    for (const part of ['AKIA', 'IOSFODNN', '7EXAMPLE', 'jane.doe', '@example']) expect(text).not.toContain(part);
    expect(pieces.join('')).toBe(`${filler}Here: [REDACTED:secret.aws_key] and [REDACTED:pii.email] done. ${filler}`);
    expect(event.guardrails).toContain('out-redact/output/secret.aws_key:redact×1');
    expect(event.guardrails).toContain('out-redact/output/pii.email:redact×1');
  });

  it('a block on a stream ends it with an in-band GW_GUARDRAIL_BLOCKED before the text leaves', async () => {
    const g = await start({ 'out-block': { action: 'block', stages: ['output'], detectors: { secrets: ['aws_key'] } } });
    const { text, event } = await g.post(ask(`Safe words first. ${AWS} then more.`, { stream: true }));
    const { error } = sseContents(text);
    expect(error?.code).toBe('GW_GUARDRAIL_BLOCKED');
    expect(text).not.toContain('AKIA');
    expect(event.guardrails).toBe('out-block/output/secret.aws_key:block×1');
  });

  it('a non-stream output block withholds the answer (the call is still billed)', async () => {
    const g = await start({ 'out-block': { action: 'block', stages: ['output'], detectors: { pii: ['email'] } } });
    const { res, text, event } = await g.post(ask(`reply to ${EMAIL}`));
    expect(res.status).toBe(400);
    expect(text).toContain('blocked the answer: pii.email');
    expect(text).not.toContain(EMAIL);
    expect(event.outputTokens).toBeGreaterThan(0);
  });

  it('jsonOutput retries once, then fails with GW_OUTPUT_INVALID; both calls are billed', async () => {
    let calls = 0;
    const bad = (content: string): ChatCompletion => ({
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'echo',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    const g = await start(
      { json: { action: 'block', stages: ['output'], detectors: { jsonOutput: true } } },
      {
        chat: async (ctx) => {
          ctx.deployment = ctx.model!.deployments[0];
          calls++;
          return bad(calls === 3 ? '{"answer": "ok"}' : 'not json');
        },
      },
    );
    const format = { response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } } } };
    const failed = await g.post(ask('give json', format));
    expect(failed.res.status).toBe(502);
    expect(JSON.parse(failed.text).error.code).toBe('GW_OUTPUT_INVALID');
    expect(calls).toBe(2);
    expect(failed.event.inputTokens).toBe(20);
    expect(failed.event.outputTokens).toBe(10);
    // Third call valid: the second request's retry succeeds and the client sees both calls' usage.
    calls = 1;
    const retried = await g.post(ask('give json', format));
    expect(retried.res.status).toBe(200);
    expect(JSON.parse(retried.text).usage.prompt_tokens).toBe(20);
  });
});

describe('webhook guardrails', () => {
  async function startHook(answer: (body: { messages: { text: string }[] }) => unknown | 'hang') {
    const received: { messages: { text: string }[] }[] = [];
    hook = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => {
        raw += c;
      });
      req.on('end', () => {
        const body = JSON.parse(raw);
        received.push(body);
        const out = answer(body);
        if (out === 'hang') return; // never answers: the timeout decides
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(out));
      });
    });
    await new Promise<void>((r) => hook!.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/check`, received };
  }

  it('allow passes; block refuses naming the webhook rule; it receives text after built-in redaction', async () => {
    const h = await startHook((b) => (b.messages.some((m) => m.text.includes('forbidden')) ? { action: 'block', reason: 'topic' } : { action: 'allow' }));
    const g = await start({ a: redactEmail, b: { action: 'flag', detectors: {}, webhook: { url: h.url } } });
    const ok = await g.post(ask(`fine ${EMAIL}`));
    expect(ok.res.status).toBe(200);
    expect(h.received[0]!.messages[0]!.text).toBe('fine [REDACTED:pii.email]');
    const no = await g.post(ask('forbidden thing'));
    expect(no.res.status).toBe(400);
    expect(JSON.parse(no.text).error.message).toContain('Guardrail "b" blocked the input: webhook (1)');
  });

  it('redactions from the webhook reach the upstream redacted', async () => {
    const h = await startHook(() => ({ action: 'redact', redactions: [{ messageIndex: 0, start: 0, end: 6 }] }));
    const g = await start({ w: { action: 'flag', detectors: {}, webhook: { url: h.url } } });
    const { text } = await g.post(ask('Secret plan here'));
    expect((JSON.parse(text) as ChatCompletion).choices[0]!.message.content).toBe('[REDACTED:webhook] plan here');
  });

  it('a timeout fails open or closed as configured', async () => {
    const h = await startHook(() => 'hang');
    const open = await start({ w: { action: 'flag', detectors: {}, webhook: { url: h.url, timeoutMs: 50, failMode: 'open' } } });
    expect((await open.post(ask('hello'))).res.status).toBe(200);
    gateway?.close();
    const closed = await start({ w: { action: 'flag', detectors: {}, webhook: { url: h.url, timeoutMs: 50, failMode: 'closed' } } });
    const refused = await closed.post(ask('hello'));
    expect(refused.res.status).toBe(400);
    expect(refused.text).toContain('webhook');
  });
});
