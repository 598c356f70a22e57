import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../kernel/errors/index.js';
import { loadTokenizer } from '../../kernel/tokens.js';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { FaultKnobs, ProviderCallContext, Timeouts } from '../contract.js';
import { cosine } from './embeddings.js';
import { createSimulatorProvider } from './provider.js';

const TIMEOUTS: Timeouts = { connectMs: 1000, headersMs: 10_000, bodyIdleMs: 10_000 };

function ctx(model = 'sim-small', faults?: FaultKnobs, timeouts = TIMEOUTS, signal = new AbortController().signal): ProviderCallContext {
  return { requestId: 'r1', signal, deployment: { id: `sim/${model}`, provider: 'sim', upstreamModel: model, timeouts, faults } };
}

const sim = () => createSimulatorProvider({ name: 'sim', instant: true });

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] }, days: { type: 'integer', minimum: 1, maximum: 7 } },
      required: ['city', 'unit', 'days'],
    },
  },
};
const searchTool = { type: 'function' as const, function: { name: 'search_docs', description: 'Search internal documentation', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } };

/** Golden fixtures: set UPDATE_GOLDEN=1 to rewrite them after an intended change of the simulator's output. */
function golden(name: string, value: unknown) {
  const path = new URL(`./fixtures/${name}.json`, import.meta.url);
  const normalised = JSON.parse(JSON.stringify(value, (k, v) => (k === 'created' ? 0 : v)));
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI === 'true') throw new Error(`golden fixture ${name}.json is missing (run the test locally with UPDATE_GOLDEN=1)`);
    writeFileSync(path, `${JSON.stringify(normalised, null, 2)}\n`);
  }
  expect(normalised).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

function assemble(chunks: ChatCompletionChunk[]) {
  let content = '';
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  let finish: string | null = null;
  for (const c of chunks) {
    for (const choice of c.choices) {
      content += choice.delta.content ?? '';
      for (const tc of choice.delta.tool_calls ?? []) {
        if (!calls[tc.index]) calls[tc.index] = { arguments: '' };
        const call = calls[tc.index] as (typeof calls)[number];
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.name = tc.function.name;
        call.arguments += tc.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
  }
  return { content, calls, finish, usage: chunks.at(-1)?.usage };
}

const hello: ChatCompletionRequest = { model: 'x', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello to the platform team.' }] };

describe('simulator provider', () => {
  it('answers deterministically, with tokenizer-accurate usage (golden)', async () => {
    const a = await sim().chat(hello, ctx());
    const b = await sim().chat(hello, ctx());
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
    expect(a.choices[0]?.finish_reason).toBe('stop');
    expect(a.usage?.prompt_tokens).toBe((await loadTokenizer()).countChatPrompt(hello.messages));
    expect(a.usage?.total_tokens).toBe((a.usage?.prompt_tokens ?? 0) + (a.usage?.completion_tokens ?? 0));
    golden('chat-text', a);
    const other = await sim().chat({ ...hello, messages: [{ role: 'user', content: 'Something else entirely.' }] }, ctx());
    expect(other.choices[0]?.message.content).not.toBe(a.choices[0]?.message.content);
  });

  it('stops at max_tokens with finish_reason length', async () => {
    const r = await sim().chat({ ...hello, messages: [{ role: 'user', content: 'tell me a long story' }], max_tokens: 7 }, ctx());
    expect(r.usage?.completion_tokens).toBe(7);
    expect(r.choices[0]?.finish_reason).toBe('length');
  });

  it('calls the best-matching tool with arguments that fit its schema (golden)', async () => {
    const r = await sim().chat({ ...hello, messages: [{ role: 'user', content: "What's the weather in Berlin?" }], tools: [searchTool, weatherTool] }, ctx());
    const choice = r.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.function.name).toBe('get_weather');
    const args = JSON.parse(call?.function.arguments ?? '{}');
    expect(args.city).toBe('Berlin');
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(Number.isInteger(args.days) && args.days >= 1 && args.days <= 7).toBe(true);
    golden('chat-tool-call', r);
  });

  it('honours tool_choice none and a forced function, and answers a tool result in text', async () => {
    const ask = { role: 'user' as const, content: "What's the weather in Berlin?" };
    const none = await sim().chat({ ...hello, messages: [ask], tools: [weatherTool], tool_choice: 'none' }, ctx());
    expect(none.choices[0]?.message.tool_calls).toBeUndefined();
    const forced = await sim().chat({ ...hello, messages: [ask], tools: [weatherTool, searchTool], tool_choice: { type: 'function', function: { name: 'search_docs' } } }, ctx());
    expect(forced.choices[0]?.message.tool_calls?.[0]?.function.name).toBe('search_docs');
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Berlin"}' } };
    const after = await sim().chat(
      { ...hello, tools: [weatherTool], messages: [ask, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' }] },
      ctx(),
    );
    expect(after.choices[0]?.finish_reason).toBe('stop');
    expect(after.choices[0]?.message.content).toContain('get_weather');
  });

  it('produces JSON for response_format json_object and json_schema', async () => {
    const obj = await sim().chat({ ...hello, response_format: { type: 'json_object' } }, ctx());
    expect(typeof JSON.parse(obj.choices[0]?.message.content ?? '').answer).toBe('string');
    const schema = { type: 'object', properties: { name: { type: 'string' }, score: { type: 'number', minimum: 0, maximum: 1 }, tags: { type: 'array', items: { type: 'string' } } }, required: ['name', 'score', 'tags'] };
    const r = await sim().chat({ ...hello, response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } }, ctx());
    const v = JSON.parse(r.choices[0]?.message.content ?? '');
    expect(typeof v.name).toBe('string');
    expect(v.score >= 0 && v.score <= 1).toBe(true);
    expect(Array.isArray(v.tags)).toBe(true);
  });

  it('echoes the messages it received when the last user message starts with /echo', async () => {
    const messages = [{ role: 'system' as const, content: 'policy' }, { role: 'user' as const, content: '/echo what arrived?' }];
    const r = await sim().chat({ model: 'x', messages }, ctx());
    expect(JSON.parse(r.choices[0]?.message.content ?? '')).toEqual(messages);
  });

  it('streams the same answer: role first, one token per chunk, finish, then usage (golden)', async () => {
    const full = await sim().chat(hello, ctx());
    const chunks = await collect(await sim().chatStream({ ...hello, stream: true }, ctx()));
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const got = assemble(chunks);
    expect(got.content).toBe(full.choices[0]?.message.content);
    expect(got.finish).toBe('stop');
    expect(got.usage).toEqual(full.usage);
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.length).toBe((full.usage?.completion_tokens ?? 0) + 3);
    golden('chat-stream', chunks);
  });

  it('streams tool calls that assemble into the non-stream call', async () => {
    const req = { ...hello, messages: [{ role: 'user' as const, content: 'weather in Oslo please' }], tools: [weatherTool] };
    const full = await sim().chat(req, ctx());
    const got = assemble(await collect(await sim().chatStream({ ...req, stream: true }, ctx())));
    expect(got.finish).toBe('tool_calls');
    expect(got.calls).toEqual([{ id: full.choices[0]?.message.tool_calls?.[0]?.id, name: 'get_weather', arguments: full.choices[0]?.message.tool_calls?.[0]?.function.arguments }]);
  });

  it('paces tokens at the configured speed when not instant', async () => {
    const p = createSimulatorProvider({ name: 'sim', instant: false });
    const started = performance.now();
    const chunks = await collect(await p.chatStream({ ...hello, max_tokens: 5 }, ctx('sim-small', { ttftMs: 30, tokensPerSecond: 200 })));
    expect(assemble(chunks).usage?.completion_tokens).toBe(5);
    // 30 ms to the first token, then 4 more at 5 ms each: at least ~50 ms in all (a lower bound, not a timing assertion).
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('simulator fault knobs', () => {
  it('injects upstream errors with the configured status', async () => {
    const e500 = await sim().chat(hello, ctx('sim-small', { errorRate: 1 })).catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(GatewayError);
    expect(e500).toMatchObject({ code: 'GW_UPSTREAM_ERROR', upstreamStatus: 500, status: 502 });
    const e429 = await sim().chatStream(hello, ctx('sim-small', { errorRate: 1, errorStatus: 429 })).catch((e: unknown) => e);
    expect(e429).toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', retryAfter: 1 });
    const ok = await sim().chat(hello, ctx('sim-small', { errorRate: 0 }));
    expect(ok.choices).toHaveLength(1);
  });

  it('samples the error rate per call, not per request', async () => {
    const p = sim();
    let failures = 0;
    for (let i = 0; i < 200; i++) await p.chat(hello, ctx('sim-small', { errorRate: 0.5 })).catch(() => failures++);
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
  });

  it('times out when a latency spike exceeds the header timeout', async () => {
    const err = await sim()
      .chat(hello, ctx('sim-small', { latencySpikeRate: 1, latencySpikeMs: 5_000 }, { ...TIMEOUTS, headersMs: 20 }))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT', status: 504 });
  });

  it('cuts a stream after N chunks', async () => {
    const stream = await sim().chatStream({ ...hello, max_tokens: 50 }, ctx('sim-small', { cutStreamAfterChunks: 3 }));
    const seen: ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const c of stream) seen.push(c);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED' });
    expect(seen).toHaveLength(4); // the role chunk and three content chunks
  });

  it('answers with an empty content-filtered reply (faults.contentFilterRate), stream and not', async () => {
    const filtered = await sim().chat(hello, ctx('sim-small', { contentFilterRate: 1 }));
    expect(filtered.choices[0]).toMatchObject({ finish_reason: 'content_filter', message: { content: '' } });
    expect(filtered.usage).toMatchObject({ completion_tokens: 0 });
    expect(filtered.usage?.prompt_tokens).toBeGreaterThan(0);
    const chunks = await collect(await sim().chatStream(hello, ctx('sim-small', { contentFilterRate: 1 })));
    expect(chunks.flatMap((c) => c.choices.map((x) => x.finish_reason)).filter(Boolean)).toEqual(['content_filter']);
    expect(chunks.some((c) => c.choices.some((x) => typeof x.delta.content === 'string' && x.delta.content.length > 0))).toBe(false);
    const clean = await sim().chat(hello, ctx('sim-small', { contentFilterRate: 0 }));
    expect(clean.choices[0]?.finish_reason).toBe('stop');
  });

  it('rejects a prompt longer than faults.contextWindow with an OpenAI-style 400', async () => {
    const err = await sim()
      .chat(hello, ctx('sim-small', { contextWindow: 3 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_REJECTED', status: 400, upstreamStatus: 400, upstreamCode: 'context_length_exceeded' });
    expect((err as Error).message).toContain('maximum context length is 3 tokens');
    await expect(sim().chatStream(hello, ctx('sim-small', { contextWindow: 3 }))).rejects.toMatchObject({ upstreamCode: 'context_length_exceeded' });
    expect((await sim().chat(hello, ctx('sim-small', { contextWindow: 10_000 }))).choices[0]?.finish_reason).toBe('stop');
  });

  it('stops when the signal aborts, before or during the call', async () => {
    const before = new AbortController();
    before.abort(new Error('gone'));
    await expect(sim().chat(hello, ctx('sim-small', undefined, TIMEOUTS, before.signal))).rejects.toThrow('gone');
    const during = new AbortController();
    const p = createSimulatorProvider({ name: 'sim', instant: false });
    const stream = await p.chatStream({ ...hello, max_tokens: 100 }, ctx('sim-small', { ttftMs: 1, tokensPerSecond: 100 }, TIMEOUTS, during.signal));
    let n = 0;
    const err = await (async () => {
      for await (const _ of stream) if (++n === 3) during.abort(new Error('client left'));
    })().catch((e: unknown) => e);
    expect(String(err)).toContain('client left');
    expect(n).toBe(3);
  });
});

describe('simulator embeddings', () => {
  const embed = async (input: string | string[], extra: Record<string, unknown> = {}) =>
    sim().embeddings({ model: 'sim-embed', input, ...extra }, ctx('sim-embed'));

  it('returns unit vectors where similar texts are closer than unrelated ones (golden)', async () => {
    const r = await embed(['the cat sat on the mat', 'the cat sat on a mat', 'quarterly revenue grew in europe']);
    const [a, b, c] = r.data.map((d) => d.embedding as number[]);
    expect(a).toHaveLength(256);
    expect(cosine(a as number[], a as number[])).toBeCloseTo(1, 5);
    expect(cosine(a as number[], b as number[])).toBeGreaterThan(0.7);
    expect(cosine(a as number[], c as number[])).toBeLessThan(0.3);
    expect(r.usage.prompt_tokens).toBeGreaterThan(10);
    golden('embeddings', (await embed('hello', { dimensions: 8 })));
  });

  it('supports dimensions, base64 and token-array input', async () => {
    const f = await embed('gateway', { dimensions: 64 });
    expect(f.data[0]?.embedding).toHaveLength(64);
    const b = await embed('gateway', { dimensions: 64, encoding_format: 'base64' });
    const bytes = Buffer.from(b.data[0]?.embedding as string, 'base64');
    const floats = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 64));
    expect(floats).toEqual(f.data[0]?.embedding);
    const t = await sim().embeddings({ model: 'sim-embed', input: [[15339, 1917]] }, ctx('sim-embed'));
    expect(t.usage.prompt_tokens).toBe(2);
  });
});

