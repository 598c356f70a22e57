import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readThenDisconnect } from './helpers/abort-stream.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

let upstream: Awaited<ReturnType<typeof startFakeUpstream>>;
let g: RunningGantry;

beforeAll(async () => {
  upstream = await startFakeUpstream();
  g = await startGantry({
    config: `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: fake}
spec: {type: openai-compatible, baseUrl: {fromEnv: FAKE_UPSTREAM}, apiKey: {fromEnv: FAKE_KEY}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: gpt-4o-mini}
spec:
  provider: fake
  upstreamModel: fake-model
  pricing: {inputPer1M: "0.15", cachedInputPer1M: "0.075", outputPer1M: "0.60"}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: keyless}
spec: {provider: nokey, pricing: {free: true}}
---
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: nokey}
spec: {type: openai-compatible, baseUrl: {fromEnv: FAKE_UPSTREAM}, apiKey: {fromEnv: UNSET_KEY_VAR}}
`,
    env: { FAKE_UPSTREAM: upstream.url, FAKE_KEY: 'sk-upstream-credential', UNSET_KEY_VAR: '' },
  });
});
afterAll(async () => {
  await g?.stop();
  await upstream?.close();
});

describe('an OpenAI-compatible upstream', () => {
  it('receives the upstream model name and the provider credential, never the caller key', async () => {
    const client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, user: 'u1' })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('fake reply');
    const seen = upstream.requests.at(-1);
    expect(seen?.url).toBe('/v1/chat/completions');
    expect(seen?.headers.authorization).toBe('Bearer sk-upstream-credential');
    expect(JSON.stringify(seen?.headers)).not.toContain(g.key);
    const sent = JSON.parse(seen?.body ?? '{}') as Record<string, unknown>;
    expect(sent).toMatchObject({ model: 'fake-model', temperature: 0.2, user: 'u1' });
    // 600 plain input × 0.15 + 400 cached × 0.075 + 500 output × 0.60 = 90 + 30 + 300 = 420 micros.
    expect(response.headers.get('x-gantry-cost-usd')).toBe('0.000420');
    const event = await eventually(async () => (await usageEvents(g, `requestId=${response.headers.get('x-gantry-request-id')}`))[0]);
    expect(event).toMatchObject({ inputTokens: 1000, cachedInputTokens: 400, outputTokens: 500, costMicros: 420, route: 'fake/fake-model' });
  });

  it('aborts the upstream request when the client disconnects, and meters what was delivered', async () => {
    const { requestId } = await readThenDisconnect({
      url: `${g.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${g.key}` },
      body: { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go on forever' }] },
      pattern: /tick/,
      count: 3,
    });
    await eventually(async () => (upstream.cutStreams.includes(requestId) ? true : undefined));
    const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
    expect(event).toMatchObject({ outcome: 'client_aborted', usageEstimated: true });
    expect(event.outputTokens as number).toBeGreaterThanOrEqual(3);
  });

  it('makes no upstream call for a bad key', async () => {
    const before = upstream.requests.length;
    const bad = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: 'gk_wrong_wrong_wrong_wrong_wrong', maxRetries: 0 });
    await expect(bad.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow();
    expect(upstream.requests.length).toBe(before);
  });

  it('says which environment variable is missing when a provider key is unset', async () => {
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'keyless', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(res.status).toBe(500);
    expect(body.error.code).toBe('GW_PROVIDER_MISCONFIGURED');
    expect(body.error.message).toContain('UNSET_KEY_VAR');
  });

  it('exposes request, token and cost metrics', async () => {
    const text = await (await fetch(`${g.url}/metrics`)).text();
    expect(text).toMatch(/gantry_requests_total\{endpoint="chat.completions",model="gpt-4o-mini",route="fake\/fake-model",status="200",code=""\} \d+/);
    expect(text).toMatch(/gantry_tokens_total\{model="gpt-4o-mini",route="fake\/fake-model",direction="output"\} \d+/);
    expect(text).toMatch(/gantry_cost_micro_usd_total\{model="gpt-4o-mini",team="default"\} \d+/);
    expect(text).toContain('gantry_request_duration_seconds_bucket');
    expect(text).toContain('gantry_in_flight_requests 0');
    expect(text).toContain('gantry_process_resident_memory_bytes');
  });
});
