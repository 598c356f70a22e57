import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatorServer, startSimulatorServer } from './server.js';

let sim: SimulatorServer;
beforeAll(async () => {
  sim = await startSimulatorServer({ host: '127.0.0.1', port: 0, instant: true });
});
afterAll(async () => {
  await sim.close();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const events = (text: string) => text.split('\n\n').filter((f) => f.startsWith('data: ')).map((f) => f.slice(6));

describe('standalone simulator server', () => {
  it('lists its models', async () => {
    const r = (await (await fetch(`${sim.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(r.data.map((m) => m.id)).toEqual(['sim-small', 'sim-large', 'sim-echo', 'sim-embed']);
  });

  it('sends usage in a stream only when include_usage asks for it, like OpenAI', async () => {
    const body = { model: 'sim-small', stream: true, messages: [{ role: 'user', content: 'hi' }] };
    const without = events(await (await post('/v1/chat/completions', body)).text());
    expect(without.at(-1)).toBe('[DONE]');
    expect(without.some((d) => d !== '[DONE]' && JSON.parse(d).usage)).toBe(false);
    const withUsage = events(await (await post('/v1/chat/completions', { ...body, stream_options: { include_usage: true } })).text());
    const last = JSON.parse(withUsage.at(-2) ?? '{}');
    expect(last.choices).toEqual([]);
    expect(last.usage.completion_tokens).toBeGreaterThan(0);
    expect(JSON.parse(withUsage[0] ?? '{}').usage).toBeNull();
  });

  it('answers errors in the OpenAI shape, with injected faults per request', async () => {
    const bad = await post('/v1/chat/completions', '{nope');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBeTruthy();
    const missing = await post('/v1/chat/completions', { model: 'sim-small' });
    expect(missing.status).toBe(400);
    const faulted = await post('/v1/chat/completions', { model: 'sim-small', messages: [{ role: 'user', content: 'x' }] }, { 'x-simulator-faults': '{"errorRate":1,"errorStatus":429}' });
    expect(faulted.status).toBe(429);
    expect(faulted.headers.get('retry-after')).toBe('1');
  });

  it('answers an over-long prompt with OpenAI\'s context_length_exceeded error code', async () => {
    const r = await post('/v1/chat/completions', { model: 'sim-small', messages: [{ role: 'user', content: 'a prompt of several tokens' }] }, { 'x-simulator-faults': '{"contextWindow":2}' });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('context_length_exceeded');
    expect(body.error.message).toContain('maximum context length');
  });

  it('drops the connection without [DONE] when a stream is cut', async () => {
    const r = post('/v1/chat/completions', { model: 'sim-small', stream: true, max_tokens: 40, messages: [{ role: 'user', content: 'x' }] }, { 'x-simulator-faults': '{"cutStreamAfterChunks":2}' });
    // The cut may reach the client before or after it has read the headers: either way, no [DONE].
    const text = await r.then((res) => res.text()).catch(() => 'cut');
    expect(text.includes('[DONE]')).toBe(false);
  });
});
