/**
 * Conformance: OpenAI chat clients served by an Anthropic upstream. Each case is an OpenAI request,
 * the Anthropic request Gantry must send for it, a recorded Anthropic answer (JSON or SSE from
 * src/providers/anthropic/fixtures) and the result the client must see on the wire. Runs the real
 * gateway in-process against a recording fake of api.anthropic.com.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/main/gateway.js';
import { anthropicFixture, type FakeAnthropicReply, startFakeAnthropic } from '../e2e/helpers/fake-anthropic.js';
import { ANTHROPIC_UPSTREAM_CONFIG, ledgerEvent, startInProcessGateway } from './helpers/in-process-gateway.js';

const KEY = 'gk_conformance_key_0123456789abcdefghij';

let upstream: Awaited<ReturnType<typeof startFakeAnthropic>>;
let gateway: RunningGateway;

beforeAll(async () => {
  upstream = await startFakeAnthropic();
  gateway = await startInProcessGateway({
    config: ANTHROPIC_UPSTREAM_CONFIG,
    key: KEY,
    env: { ANTHROPIC_BASE: upstream.url, ANTHROPIC_KEY: 'sk-ant-conformance' },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

type Json = Record<string, unknown>;

async function post(body: Json) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sonnet', ...body }),
  });
}

interface StreamResult {
  chunks: Json[];
  content: string;
  reasoning: string;
  thinkingBlocks: unknown[];
  toolCalls: { id?: string; name: string; arguments: string; deltas: number }[];
  finishReason: unknown;
  usage: Json | undefined;
  error: Json | undefined;
  done: boolean;
}

/** Reads an OpenAI SSE response the way a client would and assembles what it delivered. */
async function readStream(res: Response): Promise<StreamResult> {
  const text = await res.text();
  const out: StreamResult = { chunks: [], content: '', reasoning: '', thinkingBlocks: [], toolCalls: [], finishReason: undefined, usage: undefined, error: undefined, done: false };
  for (const frame of text.split('\n\n')) {
    const data = frame.startsWith('data: ') ? frame.slice(6) : undefined;
    if (data === undefined) continue;
    if (data === '[DONE]') {
      out.done = true;
      continue;
    }
    const chunk = JSON.parse(data) as Json;
    if (chunk.error) {
      out.error = chunk.error as Json;
      continue;
    }
    out.chunks.push(chunk);
    if (chunk.usage) out.usage = chunk.usage as Json;
    for (const choice of (chunk.choices as Json[]) ?? []) {
      const d = choice.delta as Json;
      if (typeof d.content === 'string') out.content += d.content;
      if (typeof d.reasoning_content === 'string') out.reasoning += d.reasoning_content;
      if (Array.isArray(d.thinking_blocks)) out.thinkingBlocks.push(...d.thinking_blocks);
      for (const call of (d.tool_calls as Json[] | undefined) ?? []) {
        const i = call.index as number;
        const fn = (call.function ?? {}) as Json;
        out.toolCalls[i] ??= { name: '', arguments: '', deltas: 0 };
        const t = out.toolCalls[i]!;
        if (typeof call.id === 'string') t.id = call.id;
        if (typeof fn.name === 'string') t.name += fn.name;
        if (typeof fn.arguments === 'string') t.arguments += fn.arguments;
        t.deltas++;
      }
      if (choice.finish_reason) out.finishReason = choice.finish_reason;
    }
  }
  return out;
}

// Sonnet prices: $3 input, $0.30 cache read, $3.75 cache write, $15 output per 1M tokens.
// text.json: 12 plain + 1024 read + 2048 written input, 9 output:
// 12×3 + 1024×0.30 + 2048×3.75 + 9×15 = 36 + 307.2 + 7680 + 135 = 8158.2 → 8159 micro-USD (rounded up).
const TEXT_USAGE = {
  prompt_tokens: 3084,
  completion_tokens: 9,
  total_tokens: 3093,
  prompt_tokens_details: { cached_tokens: 1024 },
  cache_creation_input_tokens: 2048,
  gantry_cost_usd: '0.008159',
};

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};
const anthropicWeatherTool = { name: 'get_weather', description: 'Current weather', input_schema: weatherTool.function.parameters };
const thinkingFixtureBlocks = (JSON.parse(anthropicFixture('thinking.json')) as { content: unknown[] }).content.slice(0, 2);

interface Case {
  name: string;
  request: Json;
  /** The Anthropic request Gantry must send (compared exactly). */
  upstream: Json;
  reply: FakeAnthropicReply;
  /** Client-visible: the completion's first choice and usage (non-stream), or the assembled stream. */
  expectChoice?: Json;
  expectUsage?: Json;
  expectStream?: (s: StreamResult) => void;
}

const cases: Case[] = [
  {
    name: 'system and developer prompts become top-level system; cache usage is reported and priced',
    request: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: 'Answer in English.' }, { role: 'user', content: 'Capital of France?' }] },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Answer in English.' },
      ],
      messages: [{ role: 'user', content: 'Capital of France?' }],
    },
    reply: { json: anthropicFixture('text.json') },
    expectChoice: { index: 0, message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop', logprobs: null },
    expectUsage: TEXT_USAGE,
  },
  {
    name: 'parallel tool calls: tools and tool_choice translated, tool_use blocks become tool_calls',
    request: { messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weatherTool], tool_choice: 'auto', max_tokens: 500 },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 500,
      messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }],
      tools: [anthropicWeatherTool],
      tool_choice: { type: 'auto' },
    },
    reply: { json: anthropicFixture('tool-use.json') },
    expectChoice: {
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the weather in both cities.",
        tool_calls: [
          { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
          { id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo","unit":"celsius"}' } },
        ],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    },
    expectUsage: { prompt_tokens: 472, completion_tokens: 98, total_tokens: 570, prompt_tokens_details: { cached_tokens: 0 }, cache_creation_input_tokens: 0 },
  },
  {
    name: 'tool results round trip: assistant tool_calls → tool_use, tool messages → one user turn of tool_result blocks',
    request: {
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: "I'll check the weather in both cities.",
          tool_calls: [
            { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, cloudy' },
        { role: 'tool', tool_call_id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', content: '25°C, sunny' },
        { role: 'user', content: 'Which is warmer?' },
      ],
      tools: [weatherTool],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
    },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        { role: 'user', content: 'Weather in Paris and Tokyo?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: "I'll check the weather in both cities." },
            { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', name: 'get_weather', input: { city: 'Tokyo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '18°C, cloudy' },
            { type: 'tool_result', tool_use_id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', content: '25°C, sunny' },
            { type: 'text', text: 'Which is warmer?' },
          ],
        },
      ],
      tools: [anthropicWeatherTool],
      tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    },
    reply: { json: anthropicFixture('text.json') },
    expectChoice: { message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop' },
  },
  {
    name: 'images: data URLs as base64 sources, https URLs as url sources; cache_control kept',
    request: {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Long shared context', cache_control: { type: 'ephemeral' } },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
          ],
        },
      ],
    },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Long shared context', cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
            { type: 'image', source: { type: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
          ],
        },
      ],
    },
    reply: { json: anthropicFixture('text.json') },
    expectUsage: TEXT_USAGE,
  },
  {
    name: 'thinking: earlier signed blocks go first and unchanged; new ones come back in thinking_blocks',
    request: {
      thinking: { type: 'enabled', budget_tokens: 1024 },
      max_completion_tokens: 2048,
      messages: [
        { role: 'user', content: '27 * 453?' },
        { role: 'assistant', content: '12,231.', thinking_blocks: thinkingFixtureBlocks },
        { role: 'user', content: 'Are you sure?' },
      ],
    },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: '27 * 453?' },
        { role: 'assistant', content: [...thinkingFixtureBlocks, { type: 'text', text: '12,231.' }] },
        { role: 'user', content: 'Are you sure?' },
      ],
    },
    reply: { json: anthropicFixture('thinking.json') },
    expectChoice: {
      message: {
        role: 'assistant',
        content: '27 × 453 = 12,231.',
        reasoning_content: 'The user asks for 27 * 453. 27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.',
        thinking_blocks: thinkingFixtureBlocks,
      },
      finish_reason: 'stop',
    },
  },
  {
    name: 'empty content: empty turns are dropped, neighbouring user turns merge; an empty answer is ""',
    request: { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '' }, { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'again' }] }] },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hi' },
            { type: 'text', text: 'again' },
          ],
        },
      ],
    },
    reply: { json: anthropicFixture('empty.json') },
    expectChoice: { message: { role: 'assistant', content: '' }, finish_reason: 'stop' },
  },
  {
    name: 'max_tokens stop → finish_reason length; stop strings → stop_sequences; user → metadata.user_id',
    request: { messages: [{ role: 'user', content: 'Tell a story' }], max_tokens: 3, stop: ['THE END'], user: 'alice', temperature: 0.7, top_p: 0.9 },
    upstream: {
      model: 'claude-sonnet-4-5',
      max_tokens: 3,
      messages: [{ role: 'user', content: 'Tell a story' }],
      stop_sequences: ['THE END'],
      temperature: 0.7,
      top_p: 0.9,
      metadata: { user_id: 'alice' },
    },
    reply: { json: anthropicFixture('max-tokens.json') },
    expectChoice: { message: { role: 'assistant', content: 'Once upon a' }, finish_reason: 'length' },
    expectUsage: { prompt_tokens: 14, completion_tokens: 3, total_tokens: 17 },
  },
  {
    name: 'stream: text with cache usage in the final usage chunk',
    request: { stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Capital of France?' }] },
    upstream: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Capital of France?' }], stream: true },
    reply: { sse: anthropicFixture('text-stream.sse') },
    expectStream: (s) => {
      expect(s.chunks[0]).toMatchObject({ choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] });
      expect(s.content).toBe('Paris is the capital of France.');
      expect(s.finishReason).toBe('stop');
      expect(s.chunks.at(-1)).toMatchObject({ choices: [], usage: TEXT_USAGE });
      expect(s.done).toBe(true);
    },
  },
  {
    name: 'stream: tool-call argument deltas, id and name on the first delta of each call',
    request: { stream: true, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [weatherTool] },
    upstream: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Weather in Paris and Tokyo?' }], tools: [anthropicWeatherTool], stream: true },
    reply: { sse: anthropicFixture('tool-stream.sse') },
    expectStream: (s) => {
      expect(s.content).toBe('Checking both cities.');
      expect(s.toolCalls).toEqual([
        { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}', deltas: 3 },
        { id: 'toolu_01Vd8mRTq3Kf7HnC2yWb9xPz', name: 'get_weather', arguments: '{"city": "Tokyo", "unit": "celsius"}', deltas: 3 },
      ]);
      expect(s.finishReason).toBe('tool_calls');
      expect(s.usage).toBeUndefined(); // not asked for: the client sees no usage chunk
      expect(s.done).toBe(true);
    },
  },
  {
    name: 'stream: thinking as reasoning_content plus the signed block',
    request: { stream: true, messages: [{ role: 'user', content: '27 * 453?' }], thinking: { type: 'enabled', budget_tokens: 1024 } },
    upstream: { model: 'claude-sonnet-4-5', max_tokens: 5120, messages: [{ role: 'user', content: '27 * 453?' }], thinking: { type: 'enabled', budget_tokens: 1024 }, stream: true },
    reply: { sse: anthropicFixture('thinking-stream.sse') },
    expectStream: (s) => {
      expect(s.reasoning).toBe('27 * 453 = 10800 + 1431 = 12231.');
      expect(s.thinkingBlocks).toEqual([{ type: 'thinking', thinking: '27 * 453 = 10800 + 1431 = 12231.', signature: (thinkingFixtureBlocks[0] as Json).signature }]);
      expect(s.content).toBe('27 × 453 = 12,231.');
    },
  },
  {
    name: 'stream: multi-byte UTF-8 split across network chunks (one byte per write)',
    request: { stream: true, messages: [{ role: 'user', content: 'Grüß mich' }] },
    upstream: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Grüß mich' }], stream: true },
    reply: { sse: anthropicFixture('utf8-stream.sse'), chunkBytes: 1 },
    expectStream: (s) => {
      expect(s.content).toBe('Grüße 👋🏽 東京は晴れ — ça va ✓');
      expect(s.done).toBe(true);
    },
  },
  {
    name: 'stream: max_tokens stop',
    request: { stream: true, max_tokens: 3, messages: [{ role: 'user', content: 'Tell a story' }] },
    upstream: { model: 'claude-sonnet-4-5', max_tokens: 3, messages: [{ role: 'user', content: 'Tell a story' }], stream: true },
    reply: { sse: anthropicFixture('max-tokens-stream.sse') },
    expectStream: (s) => {
      expect(s.content).toBe('Once upon a');
      expect(s.finishReason).toBe('length');
    },
  },
  {
    name: 'stream: upstream error mid-stream → in-band error after the delivered text, no [DONE]',
    request: { stream: true, messages: [{ role: 'user', content: 'Question' }] },
    upstream: { model: 'claude-sonnet-4-5', max_tokens: 4096, messages: [{ role: 'user', content: 'Question' }], stream: true },
    reply: { sse: anthropicFixture('error-stream.sse') },
    expectStream: (s) => {
      expect(s.content).toBe('The answer');
      expect(s.error).toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED' });
      expect(String(s.error?.message)).toContain('overloaded_error');
      expect(s.done).toBe(false);
    },
  },
];

describe('OpenAI chat → Anthropic upstream conformance', () => {
  it.each(cases)('$name', async (c) => {
    upstream.reply(c.reply);
    const res = await post(c.request);
    expect(res.status).toBe(200);
    const sent = upstream.requests.at(-1);
    expect(sent?.url).toBe('/v1/messages');
    expect(sent?.headers['x-api-key']).toBe('sk-ant-conformance');
    expect(sent?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent?.body).toEqual(c.upstream);
    if (c.expectStream) {
      c.expectStream(await readStream(res));
      return;
    }
    const body = (await res.json()) as { object: string; choices: Json[]; usage: Json };
    expect(body.object).toBe('chat.completion');
    if (c.expectChoice) expect(body.choices[0]).toMatchObject(c.expectChoice);
    if (c.expectUsage) expect(body.usage).toMatchObject(c.expectUsage);
  });

  it('refuses untranslatable fields with a 400 naming them, before any upstream call', async () => {
    const before = upstream.requests.length;
    for (const [extra, param] of [
      [{ response_format: { type: 'json_object' } }, 'response_format'],
      [{ n: 3 }, 'n'],
      [{ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: 'not json' } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
    ] as const) {
      const res = await post({ messages: [{ role: 'user', content: 'hi' }], ...extra });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'GW_REQUEST_INVALID', param } });
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('translates response_format json_schema into output_config.format', async () => {
    upstream.reply({ json: anthropicFixture('text.json') });
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    await post({ messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'a', schema } } });
    expect(upstream.requests.at(-1)?.body.output_config).toEqual({ format: { type: 'json_schema', schema } });
  });

  it('maps upstream errors to GW_* codes in the OpenAI error shape', async () => {
    const error = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message } });
    upstream.reply({ status: 529, json: error('overloaded_error', 'Overloaded') });
    let res = await post({ messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: 'GW_UPSTREAM_ERROR' } });
    upstream.reply({ status: 400, json: error('invalid_request_error', 'messages: text content blocks must be non-empty') });
    res = await post({ messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'GW_UPSTREAM_REJECTED',
      message: expect.stringContaining('text content blocks must be non-empty'),
    });
    upstream.reply({ sse: anthropicFixture('overloaded-stream.sse') });
    res = await post({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(502); // an error event before message_start is answered with a status, not a broken stream
    expect(await res.json()).toMatchObject({ error: { code: 'GW_UPSTREAM_ERROR' } });
    upstream.reply({ status: 429, json: error('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'), headers: { 'retry-after': '12' } });
    res = await post({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('12');
    expect(await res.json()).toMatchObject({ error: { code: 'GW_UPSTREAM_RATE_LIMITED' } });
  });

  it('a stream that fails mid-way is metered with the input tokens Anthropic reported and the output delivered', async () => {
    upstream.reply({ sse: anthropicFixture('error-stream.sse') });
    const res = await post({ model: 'sonnet', stream: true, messages: [{ role: 'user', content: 'Question' }] });
    await res.text();
    const requestId = res.headers.get('x-gantry-request-id');
    const event = await ledgerEvent(gateway, requestId);
    // message_start said input_tokens 30; "The answer" was delivered (2 tokens) before the error.
    expect(event).toMatchObject({ outcome: 'upstream_error', inputTokens: 30, outputTokens: 2, usageEstimated: true, errorCode: 'GW_UPSTREAM_STREAM_INTERRUPTED' });
  });
});

