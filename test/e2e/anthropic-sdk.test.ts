import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

// The built-in configuration (the embedded simulator, an OpenAI-shaped provider) behind the real
// gateway process, called with the official Anthropic SDK: /v1/messages is translated to chat.
let g: RunningGantry;
let client: Anthropic;

const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather for a city',
  input_schema: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

beforeAll(async () => {
  g = await startGantry();
  client = new Anthropic({ baseURL: g.url, apiKey: g.key, maxRetries: 0 });
});
afterAll(async () => {
  await g?.stop();
});

const eventOf = (requestId: string | null) => eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);

describe('/v1/messages through the Anthropic SDK', () => {
  it('messages.create: a text answer with usage, gantry headers and a ledger event (endpoint "messages")', async () => {
    const { data, response } = await client.messages
      .create({ model: 'sim-small', max_tokens: 200, messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.role).toBe('assistant');
    expect(data.id).toMatch(/^msg_/);
    expect(data.content[0]?.type).toBe('text');
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get('x-gantry-request-id');
    expect(response.headers.get('x-gantry-route')).toBe('simulator/sim-small');
    const cost = response.headers.get('x-gantry-cost-usd');
    expect(Number(cost)).toBeGreaterThan(0);
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ endpoint: 'messages', model: 'sim-small', stream: false, status: 200, outcome: 'completed' });
    expect(event.inputTokens).toBe(data.usage.input_tokens);
    expect(event.outputTokens).toBe(data.usage.output_tokens);
  });

  it('metering is identical to /v1/chat/completions for the same conversation', async () => {
    const { response: aRes } = await client.messages
      .create({ model: 'sim-small', max_tokens: 64, messages: [{ role: 'user', content: 'Explain metering parity' }] })
      .withResponse();
    const chatRes = await fetch(`${g.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${g.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-small', max_tokens: 64, messages: [{ role: 'user', content: 'Explain metering parity' }] }),
    });
    expect(chatRes.status).toBe(200);
    expect(aRes.headers.get('x-gantry-cost-usd')).toBe(chatRes.headers.get('x-gantry-cost-usd'));
    const a = await eventOf(aRes.headers.get('x-gantry-request-id'));
    const c = await eventOf(chatRes.headers.get('x-gantry-request-id'));
    const strip = (e: Record<string, unknown>) => {
      const { requestId, ts, latencyMs, ttftMs, endpoint, ...rest } = e;
      return rest;
    };
    expect(Object.keys(a).sort()).toEqual(Object.keys(c).sort());
    expect(strip(a)).toEqual(strip(c));
    expect(a.endpoint).toBe('messages');
    expect(c.endpoint).toBe('chat.completions');
  });

  it('messages.stream(): finalMessage assembles the streamed text; the ledger has the stream', async () => {
    const stream = client.messages.stream({ model: 'sim-small', max_tokens: 200, messages: [{ role: 'user', content: 'Stream a short story about UTF-8: é, 日本, 🌍' }] });
    const events: string[] = [];
    let text = '';
    stream.on('streamEvent', (ev) => events.push(ev.type));
    stream.on('text', (t) => {
      text += t;
    });
    const final = await stream.finalMessage();
    expect(events[0]).toBe('message_start');
    expect(events.at(-2)).toBe('message_delta');
    expect(events.at(-1)).toBe('message_stop');
    expect(final.content[0]?.type).toBe('text');
    expect((final.content[0] as { text: string }).text).toBe(text);
    expect(text.length).toBeGreaterThan(0);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    const requestId = (await stream.withResponse()).response.headers.get('x-gantry-request-id');
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ endpoint: 'messages', stream: true, status: 200, outcome: 'completed', outputTokens: final.usage.output_tokens });
  });

  it('tools: the model calls the tool, the tool_result comes back, the model answers in text (non-stream and stream)', async () => {
    const question = { role: 'user' as const, content: 'What is the weather in Paris?' };
    const first = await client.messages.create({ model: 'sim-small', max_tokens: 200, tools: [weatherTool], messages: [question] });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({ type: 'tool_use', name: 'get_weather' });
    expect(typeof (call as { input: Record<string, unknown> }).input.city).toBe('string');

    const streamed = await client.messages.stream({ model: 'sim-small', max_tokens: 200, tools: [weatherTool], messages: [question] }).finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content.find((b) => b.type === 'tool_use')).toEqual(call);

    const second = await client.messages.create({
      model: 'sim-small',
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        question,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: (call as { id: string }).id, content: '18°C and sunny' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    const answer = second.content.find((b) => b.type === 'text') as { text: string };
    expect(answer.text).toContain('18°C and sunny');
  });

  it("max_tokens stop → stop_reason 'max_tokens'", async () => {
    const msg = await client.messages.create({ model: 'sim-small', max_tokens: 3, messages: [{ role: 'user', content: 'Write a long essay' }] });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.usage.output_tokens).toBe(3);
    const streamed = await client.messages.stream({ model: 'sim-small', max_tokens: 3, messages: [{ role: 'user', content: 'Write a long essay' }] }).finalMessage();
    expect(streamed.stop_reason).toBe('max_tokens');
  });

  it('count_tokens answers without a model call and matches the prompt count of the served request', async () => {
    const before = await usageEvents(g, 'limit=1000');
    const params = { model: 'sim-small', system: 'Be brief.', messages: [{ role: 'user' as const, content: 'How many tokens is this?' }] };
    const counted = await client.messages.countTokens(params);
    const served = await client.messages.create({ ...params, max_tokens: 20 });
    expect(counted.input_tokens).toBe(served.usage.input_tokens);
    const after = await eventually(async () => {
      const all = await usageEvents(g, 'limit=1000');
      return all.length === before.length + 1 ? all : undefined;
    });
    expect(after.filter((e) => e.endpoint === 'messages.count_tokens')).toEqual([]);
  });

  it('a bad key → AuthenticationError in the Anthropic error shape', async () => {
    const bad = new Anthropic({ baseURL: g.url, apiKey: 'gk_not_a_real_key_0000000000000000000000', maxRetries: 0 });
    const err = await bad.messages.create({ model: 'sim-small', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    const e = err as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(e.status).toBe(401);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', code: 'GW_AUTH_KEY_INVALID' } });
    expect(e.headers?.get('x-gantry-error-code')).toBe('GW_AUTH_KEY_INVALID');
  });

  it('an unknown model → NotFoundError', async () => {
    const err = await client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error', code: 'GW_MODEL_NOT_FOUND' } });
  });

  it('raw HTTP: x-api-key with anthropic-version / anthropic-beta headers; a missing max_tokens is a 400 naming it', async () => {
    const headers = { 'x-api-key': g.key, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31', 'content-type': 'application/json' };
    const ok = await fetch(`${g.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: 'sim-small', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${g.url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: 'sim-small', messages: [{ role: 'user', content: 'hi' }] }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens'), code: 'GW_REQUEST_INVALID', param: 'max_tokens' },
    });
    const missing = await fetch(`${g.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
  });
});
