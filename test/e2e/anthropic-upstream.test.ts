import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicFixture, startFakeAnthropic } from './helpers/fake-anthropic.js';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

let upstream: Awaited<ReturnType<typeof startFakeAnthropic>>;
let g: RunningGantry;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startFakeAnthropic();
  g = await startGantry({
    config: `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: anthropic}
spec: {type: anthropic, baseUrl: {fromEnv: ANTHROPIC_BASE_URL}, apiKey: {fromEnv: ANTHROPIC_API_KEY}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: claude-sonnet}
spec:
  provider: anthropic
  upstreamModel: claude-sonnet-4-5
  pricing: {inputPer1M: "3.00", cachedInputPer1M: "0.30", cacheWritePer1M: "3.75", outputPer1M: "15.00"}
`,
    env: { ANTHROPIC_BASE_URL: upstream.url, ANTHROPIC_API_KEY: 'sk-ant-e2e-credential' },
  });
  client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
});
afterAll(async () => {
  await g?.stop();
  await upstream?.close();
});

const eventOf = (requestId: string | null) => eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);

// Prices per 1M tokens: input $3.00, cache read $0.30, cache write $3.75, output $15.00.
// The recorded answer (text.json / text-stream.sse) reports 12 uncached input tokens, 1024 cache
// reads, 2048 cache writes and 9 output tokens:
//   12 × 3.00 + 1024 × 0.30 + 2048 × 3.75 + 9 × 15.00 = 36 + 307.2 + 7680 + 135 = 8158.2 micro-USD
// rounded up once per request → 8159 micro-USD = $0.008159.
const CACHE_COST_MICROS = 8159;

describe('an Anthropic upstream behind the OpenAI API', () => {
  it('answers a non-stream call, sends the Anthropic credential, and prices cache reads and writes apart', async () => {
    upstream.reply({ json: anthropicFixture('text.json') });
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-sonnet', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Paris is the capital of France.');
    expect(data.usage).toMatchObject({ prompt_tokens: 3084, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 1024 } });
    const seen = upstream.requests.at(-1);
    expect(seen?.url).toBe('/v1/messages');
    expect(seen?.headers['x-api-key']).toBe('sk-ant-e2e-credential');
    expect(seen?.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(seen?.headers)).not.toContain(g.key);
    expect(seen?.body).toMatchObject({ model: 'claude-sonnet-4-5', system: [{ type: 'text', text: 'Be brief.' }], max_tokens: 4096 });
    expect(response.headers.get('x-gantry-route')).toBe('anthropic/claude-sonnet-4-5');
    expect(response.headers.get('x-gantry-cost-usd')).toBe('0.008159');
    const event = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(event).toMatchObject({
      inputTokens: 3084,
      cachedInputTokens: 1024,
      cacheWriteInputTokens: 2048,
      outputTokens: 9,
      costMicros: CACHE_COST_MICROS,
      provider: 'anthropic',
      usageEstimated: false,
    });
  });

  it('streams through the OpenAI SDK with usage in the last chunk, metered like the non-stream call', async () => {
    upstream.reply({ sse: anthropicFixture('text-stream.sse'), chunkBytes: 40 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude-sonnet', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Capital of France?' }] })
      .withResponse();
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Paris is the capital of France.');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 3084, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 1024 }, gantry_cost_usd: '0.008159' });
    const event = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(event).toMatchObject({ stream: true, cacheWriteInputTokens: 2048, cachedInputTokens: 1024, costMicros: CACHE_COST_MICROS });
  });

  it('round-trips tools: parallel tool calls (non-stream), tool results, and streamed argument deltas', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    upstream.reply({ json: anthropicFixture('tool-use.json') });
    const first = await client.chat.completions.create({ model: 'claude-sonnet', tools, messages: [{ role: 'user', content: 'Paris and Tokyo?' }] });
    const calls = first.choices[0]?.message.tool_calls ?? [];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => (c.type === 'function' ? JSON.parse(c.function.arguments) : null))).toEqual([
      { city: 'Paris', unit: 'celsius' },
      { city: 'Tokyo', unit: 'celsius' },
    ]);

    upstream.reply({ sse: anthropicFixture('tool-stream.sse'), chunkBytes: 25 });
    const stream = client.chat.completions.stream({
      model: 'claude-sonnet',
      tools,
      messages: [
        { role: 'user', content: 'Paris and Tokyo?' },
        first.choices[0]!.message,
        ...calls.map((c, i) => ({ role: 'tool' as const, tool_call_id: c.id, content: i === 0 ? '18C' : '25C' })),
      ],
    });
    const done = await stream.finalChatCompletion();
    const sent = upstream.requests.at(-1)?.body as { messages: { role: string; content: unknown }[] };
    expect(sent.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent.messages[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '18C' },
      { type: 'tool_result', tool_use_id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', content: '25C' },
    ]);
    const streamed = done.choices[0]?.message.tool_calls ?? [];
    expect(streamed.map((c) => (c.type === 'function' ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : null))).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', { city: 'Paris', unit: 'celsius' }],
      ['toolu_01Vd8mRTq3Kf7HnC2yWb9xPz', 'get_weather', { city: 'Tokyo', unit: 'celsius' }],
    ]);
    expect(done.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('reports an upstream error in the middle of a stream as an API error, and meters the request', async () => {
    upstream.reply({ sse: anthropicFixture('error-stream.sse') });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'claude-sonnet', stream: true, messages: [{ role: 'user', content: 'Question' }] })
      .withResponse();
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('The answer');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String(err)).toContain('overloaded_error');
    // No final usage arrived: the data plane counts the prompt and the delivered text itself.
    const event = await eventOf(response.headers.get('x-gantry-request-id'));
    expect(event).toMatchObject({ outcome: 'upstream_error', errorCode: 'GW_UPSTREAM_STREAM_INTERRUPTED', upstreamStatus: 529, usageEstimated: true });
    expect(event.outputTokens as number).toBeGreaterThan(0);
  });

  it('maps Anthropic 529 overloaded to a 502 GW_UPSTREAM_ERROR', async () => {
    upstream.reply({ status: 529, json: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) });
    const err = (await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(502);
    expect(err.code).toBe('GW_UPSTREAM_ERROR');
  });
});
