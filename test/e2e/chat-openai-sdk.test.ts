import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

// The built-in configuration (no gantry.yaml): the embedded simulator behind the real gateway process,
// called with the official OpenAI SDK over real HTTP.
let g: RunningGantry;
let client: OpenAI;

beforeAll(async () => {
  g = await startGantry();
  client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
});
afterAll(async () => {
  await g?.stop();
});

describe('chat completions through the OpenAI SDK', () => {
  it('answers a non-stream request with usage, cost and gantry headers', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'sim-small', messages: [{ role: 'user', content: 'Hello there' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    const requestId = response.headers.get('x-gantry-request-id');
    expect(requestId).toMatch(/^req_/);
    expect(response.headers.get('x-gantry-route')).toBe('simulator/sim-small');
    const cost = response.headers.get('x-gantry-cost-usd');
    expect(cost).toMatch(/^\d+\.\d{6}$/);
    expect(Number(cost)).toBeGreaterThan(0);
    expect((data.usage as unknown as Record<string, unknown>).gantry_cost_usd).toBe(cost);

    const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
    expect(event).toMatchObject({
      requestId,
      model: 'sim-small',
      route: 'simulator/sim-small',
      team: 'default',
      stream: false,
      status: 200,
      outcome: 'completed',
      inputTokens: data.usage?.prompt_tokens,
      outputTokens: data.usage?.completion_tokens,
      usageEstimated: false,
    });
    // $0.15/M input + $0.60/M output, rounded up once: the header and the ledger agree to the micro.
    const expected = Math.ceil(((data.usage?.prompt_tokens ?? 0) * 150_000 + (data.usage?.completion_tokens ?? 0) * 600_000) / 1_000_000);
    expect(event.costMicros).toBe(expected);
    expect(Number(cost) * 1_000_000).toBeCloseTo(expected, 6);
  });

  it('streams chunks and ends with a usage chunk when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Stream a short story' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(Number((usage as unknown as Record<string, string>).gantry_cost_usd)).toBeGreaterThan(0);
  });

  it('does not send the usage chunk when the client did not ask, but still meters the stream', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'sim-small', messages: [{ role: 'user', content: 'No usage please' }], stream: true })
      .withResponse();
    const requestId = response.headers.get('x-gantry-request-id');
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
    const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
    expect(event).toMatchObject({ stream: true, outcome: 'completed', usageEstimated: false });
    expect(event.outputTokens as number).toBeGreaterThan(0);
    expect(event.costMicros as number).toBeGreaterThan(0);
    expect(event.ttftMs as number).toBeGreaterThan(0);
  });

  it('returns tool calls with JSON arguments, streamed and not', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city',
          parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } }, required: ['city'] },
        },
      },
    ];
    const res = await client.chat.completions.create({
      model: 'sim-large',
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools,
      tool_choice: 'required',
    });
    const call = res.choices[0]?.message.tool_calls?.[0];
    expect(res.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    const args = JSON.parse(call?.type === 'function' ? call.function.arguments : '{}') as Record<string, unknown>;
    expect(typeof args.city).toBe('string');

    const stream = client.chat.completions.stream({
      model: 'sim-large',
      messages: [{ role: 'user', content: 'Weather in Oslo?' }],
      tools,
      tool_choice: 'required',
    });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(streamed?.type === 'function' && streamed.function.name).toBe('get_weather');
    expect(() => JSON.parse(streamed?.type === 'function' ? streamed.function.arguments : '')).not.toThrow();

    // The tool result round trip: the model answers in text.
    const after = await client.chat.completions.create({
      model: 'sim-large',
      messages: [
        { role: 'user', content: 'What is the weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: res.choices[0]?.message.tool_calls },
        { role: 'tool', tool_call_id: call?.id ?? '', content: '{"temp": 21}' },
      ],
      tools,
    });
    expect(after.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('honours response_format json_object', async () => {
    const res = await client.chat.completions.create({
      model: 'sim-small',
      messages: [{ role: 'user', content: 'Give me JSON' }],
      response_format: { type: 'json_object' },
    });
    expect(() => JSON.parse(res.choices[0]?.message.content ?? '')).not.toThrow();
  });

  it('records attribution headers on the usage event', async () => {
    const { response } = await client.chat.completions
      .create(
        { model: 'sim-small', messages: [{ role: 'user', content: 'attributed' }] },
        { headers: { 'x-gantry-agent': 'support-bot', 'x-gantry-workflow': 'triage', 'x-gantry-run': 'run-42', 'x-gantry-tags': 'repo=web,env=prod' } },
      )
      .withResponse();
    const requestId = response.headers.get('x-gantry-request-id');
    const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
    expect(event).toMatchObject({ agent: 'support-bot', workflow: 'triage', run: 'run-42', tags: { repo: 'web', env: 'prod' } });
  });

  it('serves embeddings and lists models', async () => {
    const emb = await client.embeddings.create({ model: 'sim-embed', input: ['the cat sat', 'the cat sits'] });
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0]?.embedding.length).toBeGreaterThan(10);
    expect(emb.usage.prompt_tokens).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual(['sim-embed', 'sim-large', 'sim-small']);
    const one = await client.models.retrieve('sim-large');
    expect(one.id).toBe('sim-large');
  });

  it('echo mode proves what reached the upstream', async () => {
    const res = await client.chat.completions.create({
      model: 'sim-small',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: '/echo ünïcødé ✓' },
      ],
    });
    expect(JSON.parse(res.choices[0]?.message.content ?? '')).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: '/echo ünïcødé ✓' },
    ]);
  });
});
