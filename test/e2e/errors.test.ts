import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

const CONFIG = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: sim}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: healthy}
spec: {provider: sim, upstreamModel: sim-small, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: broken}
spec:
  provider: sim
  upstreamModel: sim-small
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
  faults: {errorRate: 1, errorStatus: 500}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: slow}
spec:
  provider: sim
  upstreamModel: sim-small
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
  timeouts: {headersMs: 300}
  faults: {latencySpikeRate: 1, latencySpikeMs: 5000}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: unpriced}
spec: {provider: sim, upstreamModel: sim-small}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: cut}
spec:
  provider: sim
  upstreamModel: sim-small
  pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}
  faults: {cutStreamAfterChunks: 3, ttftMs: 0, tokensPerSecond: 1000}
`;

let g: RunningGantry;
let client: OpenAI;

beforeAll(async () => {
  g = await startGantry({ config: CONFIG, env: { GANTRY_MAX_BODY_BYTES: '65536' } });
  client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
});
afterAll(async () => {
  await g?.stop();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${g.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { error: { code: string; message: string; type: string; param: string | null } } };
}

const hello = [{ role: 'user' as const, content: 'hi' }];

describe('errors are clear, coded and never 200', () => {
  it('refuses a bad key with 401 and no usage event', async () => {
    const bad = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'gk_not_a_real_key_aaaaaaaaaaaaaaaaaaaaa', maxRetries: 0 });
    const err = await bad.chat.completions.create({ model: 'healthy', messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('GW_AUTH_KEY_INVALID');
    const missing = await fetch(`${g.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('GW_AUTH_KEY_MISSING');
    const rid = missing.headers.get('x-gantry-request-id');
    expect(await usageEvents(g, `requestId=${rid}`)).toEqual([]);
  });

  it('says where malformed JSON breaks', async () => {
    const r = await post('/v1/chat/completions', '{"model": "healthy",\n "messages": [}');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('GW_REQUEST_MALFORMED_JSON');
    expect(r.body.error.message).toMatch(/line 2, column \d+/);
  });

  it('names the missing or invalid field', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'healthy' }));
    expect([r.status, r.body.error.code, r.body.error.param]).toEqual([400, 'GW_REQUEST_INVALID', 'messages']);
    const r2 = await post('/v1/chat/completions', JSON.stringify({ model: 'healthy', messages: [{ role: 'robot', content: 'x' }] }));
    expect(r2.body.error.param).toBe('messages[0].role');
    const r3 = await post('/v1/chat/completions', JSON.stringify({ model: 'healthy', messages: hello, max_tokens: -1 }));
    expect(r3.body.error.param).toBe('max_tokens');
  });

  it('refuses an oversized body with 413', async () => {
    const big = JSON.stringify({ model: 'healthy', messages: [{ role: 'user', content: 'x'.repeat(70_000) }] });
    const r = await post('/v1/chat/completions', big);
    expect([r.status, r.body.error.code]).toEqual([413, 'GW_REQUEST_TOO_LARGE']);
  });

  it('answers 404 for an unknown model and for an unknown path', async () => {
    const err = await client.chat.completions.create({ model: 'nope', messages: hello }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('GW_MODEL_NOT_FOUND');
    const r = await post('/v1/nothing', '{}');
    expect([r.status, r.body.error.code]).toEqual([404, 'GW_ROUTE_NOT_FOUND']);
  });

  it('fails closed on an unpriced model before calling the upstream', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'unpriced', messages: hello }));
    expect([r.status, r.body.error.code]).toEqual([403, 'GW_MODEL_UNPRICED']);
    const event = await eventually(async () => (await usageEvents(g, `requestId=${r.headers.get('x-gantry-request-id')}`))[0]);
    expect(event).toMatchObject({ outcome: 'rejected', costMicros: 0, errorCode: 'GW_MODEL_UNPRICED' });
    expect(event.route).toBeUndefined();
  });

  it('maps an upstream 500 to 502 keeping the upstream status, and records it', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'broken', messages: hello }));
    expect([r.status, r.body.error.code]).toEqual([502, 'GW_UPSTREAM_ERROR']);
    expect(r.body.error.message).toContain('500');
    const event = await eventually(async () => (await usageEvents(g, `requestId=${r.headers.get('x-gantry-request-id')}`))[0]);
    expect(event).toMatchObject({ status: 502, errorCode: 'GW_UPSTREAM_ERROR', upstreamStatus: 500, outcome: 'upstream_error' });
    const stream = await post('/v1/chat/completions', JSON.stringify({ model: 'broken', messages: hello, stream: true }));
    expect(stream.status).toBe(502);
  });

  it('answers 504 when the upstream is too slow', async () => {
    const started = Date.now();
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'slow', messages: hello }));
    expect([r.status, r.body.error.code]).toEqual([504, 'GW_UPSTREAM_TIMEOUT']);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('reports a stream cut by the upstream in-band and bills what was delivered', async () => {
    const stream = await client.chat.completions
      .create({ model: 'cut', messages: [{ role: 'user', content: 'a long story please' }], stream: true, max_tokens: 200 })
      .withResponse();
    const requestId = stream.response.headers.get('x-gantry-request-id');
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/ended before it was complete|interrupted|GW_UPSTREAM_STREAM_INTERRUPTED/i);
    const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
    expect(event).toMatchObject({ outcome: 'upstream_error', errorCode: 'GW_UPSTREAM_STREAM_INTERRUPTED', usageEstimated: true });
    expect(event.outputTokens as number).toBeGreaterThan(0);
    expect(event.costMicros as number).toBeGreaterThan(0);
    expect(text.length).toBeGreaterThan(0);
  });

  it('rejects invalid attribution headers naming the header', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'healthy', messages: hello }), { 'x-gantry-tags': 'not a tag' });
    expect([r.status, r.body.error.param]).toEqual([400, 'x-gantry-tags']);
  });

  it('keeps serving after all of that', async () => {
    const res = await client.chat.completions.create({ model: 'healthy', messages: hello });
    expect(res.choices[0]?.message.content).toBeTruthy();
    const health = await fetch(`${g.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${g.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
