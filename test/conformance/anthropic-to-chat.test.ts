/**
 * Conformance: Anthropic Messages clients (/v1/messages) served by OpenAI-shaped chat providers.
 * Each case is an Anthropic request and the result the client must see on the wire (the JSON
 * message, or the SSE events assembled the way the SDK does). Runs the real data plane in-process
 * against the simulator provider and a scripted provider (recorded OpenAI chunk sequences for what
 * the simulator cannot produce: parallel tool calls, split UTF-8, empty content, failures).
 */
import { NO_LIMITS } from '../helpers/no-limits.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCountTokensRoute } from '../../src/data-plane/protocols/anthropic/count-tokens.js';
import { createMessagesRoute } from '../../src/data-plane/protocols/anthropic/route.js';
import type { CompiledModel } from '../../src/data-plane/snapshot.js';
import { createKeyHasher } from '../../src/kernel/api-keys.js';
import { systemClock } from '../../src/kernel/clock.js';
import { GatewayError } from '../../src/kernel/errors/index.js';
import type { UsageEvent } from '../../src/kernel/types.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionChunkChoice } from '../../src/kernel/wire/openai.js';
import type { Provider } from '../../src/providers/contract.js';
import { createSimulatorProvider } from '../../src/providers/simulator/index.js';
import { readThenDisconnect } from '../e2e/helpers/abort-stream.js';
import { compiledModel, PLAIN_UPSTREAM, testSnapshot } from '../helpers/compiled.js';
import { type DataPlaneServer, startDataPlaneServer } from '../helpers/data-plane-server.js';

const KEY = 'gk_conformance_anthropic_in_0123456789ab';
const hashKey = createKeyHasher('conformance');
type Json = Record<string, unknown>;

// ---- the scripted upstream: what an OpenAI-compatible server answered, replayed ----

type Delta = ChatCompletionChunkChoice['delta'];
interface Script {
  completion?: { message: Json; finish: string };
  chunks?: Array<[Delta, string | null]>;
  /** Throw this after the chunks (a cut stream), or instead of answering (before the stream). */
  error?: GatewayError;
  errorBeforeStream?: boolean;
}
const USAGE = { prompt_tokens: 50, completion_tokens: 7, total_tokens: 57, prompt_tokens_details: { cached_tokens: 10 } };
const scripts = new Map<string, Script>();
const scriptOf = (model: string): Script => scripts.get(model) ?? {};

const scripted: Provider = {
  name: 'scripted',
  type: 'openai-compatible',
  async chat(request) {
    const s = scriptOf(request.model);
    if (s.error) throw s.error;
    const c = s.completion!;
    return {
      id: 'chatcmpl-s',
      object: 'chat.completion',
      created: 1,
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: null, ...c.message }, finish_reason: c.finish as 'stop' }],
      usage: USAGE,
    } as ChatCompletion;
  },
  async chatStream(request) {
    const s = scriptOf(request.model);
    if (s.error && s.errorBeforeStream) throw s.error;
    return (async function* () {
      const chunk = (choices: ChatCompletionChunkChoice[], extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk => ({
        id: 'chatcmpl-s',
        object: 'chat.completion.chunk',
        created: 1,
        model: request.model,
        choices,
        ...extra,
      });
      for (const [delta, finish] of s.chunks ?? []) yield chunk([{ index: 0, delta, finish_reason: finish as 'stop' | null }]);
      if (s.error) throw s.error;
      yield chunk([], { usage: USAGE });
    })();
  },
  async embeddings(): Promise<never> {
    throw new Error('not used');
  },
  async close() {},
};

// ---- the gateway, in-process ----

let gateway: DataPlaneServer | undefined;
let url: string;
let events: UsageEvent[] = [];

function model(name: string, provider: Provider, upstreamModel: string): [string, CompiledModel] {
  const target = { id: `${provider.name}/${upstreamModel}`, provider: provider.name, upstreamModel, timeouts: { connectMs: 5000, headersMs: 5000, bodyIdleMs: 5000 }, faults: undefined };
  const prices = { inputPer1M: 1_000_000, cachedInputPer1M: 500_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 };
  return [name, compiledModel({ name, type: 'chat', deployments: [{ provider, target }], pricing: { free: false, prices, version: 'test' }, limits: { maxOutputTokens: 4096, contextWindow: undefined } })];
}

/** The same model with the simulator pacing tokens (50/s), so a client can leave mid-stream. */
function paced([name, m]: [string, CompiledModel]): [string, CompiledModel] {
  const d = m.deployments[0]!;
  return [name, { ...m, deployments: [{ ...d, target: { ...d.target, faults: { ttftMs: 0, tokensPerSecond: 50 } } }] }];
}

beforeAll(async () => {
  const sim = createSimulatorProvider({ name: 'simulator', instant: true });
  const names = ['parallel', 'utf8', 'empty', 'cut', 'overloaded'];
  const snapshot = testSnapshot({
    models: new Map([model('sim', sim, 'sim-small'), paced(model('slow', sim, 'sim-small')), ...names.map((n) => model(n, scripted, n))]),
    keys: new Map([[hashKey(KEY), { keyId: 'key_c', keyName: 'c', team: 'conformance' }]]),
  });
  gateway = await startDataPlaneServer({
    snapshot,
    hashKey,
    routes: (meter) => {
      const deps = { meter, limits: NO_LIMITS, clock: systemClock, maxBodyBytes: 1_000_000, ...PLAIN_UPSTREAM };
      return { 'POST /v1/messages': createMessagesRoute(deps), 'POST /v1/messages/count_tokens': createCountTokensRoute(deps) };
    },
  });
  ({ url, events } = gateway);
});
afterAll(() => gateway?.close());

async function post(body: Json, path = '/v1/messages') {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ max_tokens: 256, ...body }),
  });
}

interface Assembled {
  /** Event names in order. */
  events: string[];
  /** The message as the SDK's MessageStream assembles it (tool inputs parsed). */
  message: Json | undefined;
  inputJsonDeltas: number;
  error: Json | undefined;
}

/** Reads Anthropic SSE and assembles it as a client does, checking block indexes are in order. */
async function readStream(res: Response): Promise<Assembled> {
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const text = await res.text();
  const out: Assembled = { events: [], message: undefined, inputJsonDeltas: 0, error: undefined };
  const json: string[] = [];
  for (const frame of text.split('\n\n')) {
    if (frame === '') continue;
    const [evLine, dataLine] = frame.split('\n');
    const name = evLine!.slice('event: '.length);
    const data = JSON.parse(dataLine!.slice('data: '.length)) as Json;
    expect(data.type).toBe(name);
    out.events.push(name);
    const content = (out.message?.content ?? []) as Json[];
    switch (name) {
      case 'message_start':
        out.message = data.message as Json;
        break;
      case 'content_block_start':
        expect(data.index).toBe(content.length);
        content.push({ ...(data.content_block as Json) });
        json[data.index as number] = '';
        break;
      case 'content_block_delta': {
        const d = data.delta as Json;
        const block = content[data.index as number]!;
        if (d.type === 'text_delta') block.text = (block.text as string) + (d.text as string);
        if (d.type === 'input_json_delta') {
          json[data.index as number] += d.partial_json as string;
          out.inputJsonDeltas++;
        }
        break;
      }
      case 'content_block_stop': {
        const i = data.index as number;
        if (content[i]!.type === 'tool_use' && json[i] !== '') content[i]!.input = JSON.parse(json[i]!);
        break;
      }
      case 'message_delta':
        Object.assign(out.message!, data.delta as Json);
        out.message!.usage = { ...(out.message!.usage as Json), ...(data.usage as Json) };
        break;
      case 'error':
        out.error = data;
        break;
    }
  }
  return out;
}

const weatherTool = { name: 'get_weather', description: 'Get the weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };
const timeTool = { name: 'get_time', description: 'Get the local time in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };
const SEQUENCE_TEXT = ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'];

describe('Anthropic Messages → chat providers (conformance)', () => {
  it('parallel tool calls: two tool_use blocks after the text, non-stream and stream alike', async () => {
    scripts.set('parallel', {
      completion: {
        message: {
          content: 'Checking both.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"city":"Tokyo"}' } },
          ],
        },
        finish: 'tool_calls',
      },
      chunks: [
        [{ role: 'assistant', content: '' }, null],
        [{ content: 'Checking both.' }, null],
        [{ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, null],
        [{ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, null],
        [{ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }, null],
        [{ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '{"city":"Tokyo"}' } }] }, null],
        [{}, 'tool_calls'],
      ],
    });
    const expected = [
      { type: 'text', text: 'Checking both.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_time', input: { city: 'Tokyo' } },
    ];
    const req = { model: 'parallel', tools: [weatherTool, timeTool], messages: [{ role: 'user', content: 'Weather in Paris, time in Tokyo?' }] };
    const json = (await (await post(req)).json()) as Json;
    expect(json).toMatchObject({ content: expected, stop_reason: 'tool_use', usage: { input_tokens: 40, cache_read_input_tokens: 10, output_tokens: 7 } });
    const s = await readStream(await post({ ...req, stream: true }));
    expect(s.message).toMatchObject({ content: expected, stop_reason: 'tool_use', usage: { input_tokens: 40, cache_read_input_tokens: 10, output_tokens: 7 } });
  });

  it('tool results round trip: what reaches the upstream, and the answer in text', async () => {
    const history = [
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }] },
    ];
    // The simulator echoes the messages it received when the last user text starts with /echo.
    const echo = (await (
      await post({
        model: 'sim',
        max_tokens: 2000,
        tools: [weatherTool],
        tool_choice: { type: 'none' },
        messages: [...history, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'offline', is_error: true }, { type: 'text', text: '/echo' }] }],
      })
    ).json()) as { content: Array<{ text: string }> };
    expect(JSON.parse(echo.content[0]!.text)).toEqual([
      { role: 'user', content: 'What is the weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_01', content: 'Error: offline' },
      { role: 'user', content: '/echo' },
    ]);
    const answer = (await (
      await post({ model: 'sim', tools: [weatherTool], messages: [...history, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '21°C' }] }] })
    ).json()) as Json;
    expect(answer.stop_reason).toBe('end_turn');
    expect((answer.content as Json[])[0]).toMatchObject({ type: 'text', text: expect.stringContaining('get_weather result (21°C)') });
  });

  it('streaming tool-call argument deltas: several input_json_delta events that assemble to the non-stream input', async () => {
    const req = { model: 'sim', tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Reykjavik please' }] };
    const whole = (await (await post(req)).json()) as Json;
    const s = await readStream(await post({ ...req, stream: true }));
    expect(s.inputJsonDeltas).toBeGreaterThan(1);
    expect(s.events.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(s.events.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(s.message!.content).toEqual(whole.content);
    expect(s.message!.stop_reason).toBe('tool_use');
    expect((s.message!.usage as Json).output_tokens).toBe((whole.usage as Json).output_tokens);
  });

  it('multi-byte UTF-8 split across chunks (incl. an emoji split into surrogate halves) arrives intact', async () => {
    scripts.set('utf8', {
      chunks: [
        [{ role: 'assistant', content: '' }, null],
        [{ content: 'Gr' }, null],
        [{ content: 'üße ' }, null],
        [{ content: '\ud83c' }, null],
        [{ content: '\udf0d 日' }, null],
        [{ content: '本語' }, null],
        [{}, 'stop'],
      ],
    });
    const s = await readStream(await post({ model: 'utf8', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(s.events).toEqual(['message_start', 'ping', 'content_block_start', ...Array(5).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    expect(s.message!.content).toEqual([{ type: 'text', text: 'Grüße 🌍 日本語' }]);
  });

  it('empty content: an empty content array, end_turn, no blocks in the stream', async () => {
    scripts.set('empty', { completion: { message: { content: '' }, finish: 'stop' }, chunks: [[{ role: 'assistant', content: '' }, null], [{}, 'stop']] });
    const json = (await (await post({ model: 'empty', messages: [{ role: 'user', content: 'hi' }] })).json()) as Json;
    expect(json).toMatchObject({ content: [], stop_reason: 'end_turn' });
    const s = await readStream(await post({ model: 'empty', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    expect(s.events).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
    expect(s.message).toMatchObject({ content: [], stop_reason: 'end_turn' });
  });

  it("max_tokens stop → stop_reason 'max_tokens' (non-stream and stream)", async () => {
    const req = { model: 'sim', max_tokens: 4, messages: [{ role: 'user', content: 'Tell me a long story' }] };
    const json = (await (await post(req)).json()) as Json;
    expect(json).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 4 } });
    const s = await readStream(await post({ ...req, stream: true }));
    expect(s.events).toEqual([...SEQUENCE_TEXT.slice(0, 3), ...Array(4).fill('content_block_delta'), ...SEQUENCE_TEXT.slice(4)]);
    expect(s.message).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 4 }, content: json.content });
  });

  it('upstream error mid-stream: the delivered text, then an error event in Anthropic shape; metered as upstream_error', async () => {
    scripts.set('cut', {
      chunks: [
        [{ role: 'assistant', content: '' }, null],
        [{ content: 'partial ' }, null],
        [{ content: 'answer' }, null],
      ],
      error: new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED'),
    });
    const res = await post({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-gantry-request-id');
    const s = await readStream(res);
    expect(s.events).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'error']);
    expect(s.error).toEqual({ type: 'error', error: { type: 'api_error', message: 'The upstream stream ended before it was complete.', code: 'GW_UPSTREAM_STREAM_INTERRUPTED' } });
    const ev = events.find((e) => e.requestId === requestId);
    expect(ev).toMatchObject({ endpoint: 'messages', outcome: 'upstream_error', errorCode: 'GW_UPSTREAM_STREAM_INTERRUPTED', stream: true, usageEstimated: true });
    expect(ev!.outputTokens).toBeGreaterThan(0);
  });

  it('upstream error before the stream: a real HTTP status with the Anthropic error type (overloaded stays overloaded)', async () => {
    scripts.set('overloaded', { error: new GatewayError('GW_UPSTREAM_ERROR', 'The upstream provider failed with status 529.', { upstreamStatus: 529 }), errorBeforeStream: true });
    const res = await post({ model: 'overloaded', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(502);
    expect(res.headers.get('x-gantry-error-code')).toBe('GW_UPSTREAM_ERROR');
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error', code: 'GW_UPSTREAM_ERROR' } });
  });

  it('count_tokens: no upstream call, no usage event', async () => {
    const before = events.length;
    const res = await post({ model: 'sim', messages: [{ role: 'user', content: 'Count me' }], tools: [weatherTool] }, '/v1/messages/count_tokens');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { input_tokens: number };
    expect(Object.keys(body)).toEqual(['input_tokens']);
    expect(body.input_tokens).toBeGreaterThan(10);
    expect(events.length).toBe(before);
  });

  it('client abort mid-stream: the upstream stream stops and what was delivered is metered', async () => {
    const { requestId } = await readThenDisconnect({
      url: `${url}/v1/messages`,
      headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' },
      body: { model: 'slow', max_tokens: 400, stream: true, messages: [{ role: 'user', content: 'tell me a long story' }] },
      pattern: /text_delta/,
      count: 3,
    });
    let event: UsageEvent | undefined;
    for (let i = 0; i < 100 && !event; i++) {
      await new Promise((r) => setTimeout(r, 20));
      event = events.find((e) => e.requestId === requestId);
    }
    expect(event).toMatchObject({ endpoint: 'messages', outcome: 'client_aborted', stream: true, usageEstimated: true });
    expect(event!.outputTokens).toBeGreaterThan(0);
    expect(event!.outputTokens).toBeLessThan(400);
  });
});
