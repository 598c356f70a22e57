import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../kernel/errors/index.js';
import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../../../kernel/wire/openai.js';
import { createAnthropicStreamTranslator } from './stream-output.js';

type Delta = ChatCompletionChunkChoice['delta'];
const chunk = (delta: Delta, finish: ChatCompletionChunkChoice['finish_reason'] = null): ChatCompletionChunk => ({
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'up',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk: ChatCompletionChunk = {
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'up',
  choices: [],
  usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, prompt_tokens_details: { cached_tokens: 4 }, gantry_cost_usd: '0.000123' },
};

interface Ev {
  event: string;
  data: Record<string, unknown>;
}

/** Parses SSE text as a client does; checks that each frame's event name matches its data type. */
function parse(sse: string): Ev[] {
  return sse
    .split('\n\n')
    .filter((f) => f !== '')
    .map((f) => {
      const [ev, data] = f.split('\n');
      const event = ev!.replace(/^event: /, '');
      const parsed = JSON.parse(data!.replace(/^data: /, '')) as Record<string, unknown>;
      expect(parsed.type).toBe(event);
      return { event, data: parsed };
    });
}

function run(chunks: ChatCompletionChunk[], opts: { stopSequences?: string[] } = {}): Ev[] {
  const tr = createAnthropicStreamTranslator({ model: 'sim-small', stopSequences: opts.stopSequences, fallbackId: 'req_1' });
  let out = '';
  for (const c of chunks) out += tr.chunk(c);
  out += tr.finish(usageChunk);
  return parse(out);
}

/** Compact form: event names, with the block type / delta type / stop reason where they matter. */
function shape(events: Ev[]): string[] {
  return events.map(({ event, data }) => {
    if (event === 'content_block_start') return `start#${data.index}:${(data.content_block as { type: string }).type}`;
    if (event === 'content_block_delta') return `delta#${data.index}:${(data.delta as { type: string }).type}`;
    if (event === 'content_block_stop') return `stop#${data.index}`;
    if (event === 'message_delta') return `message_delta:${(data.delta as { stop_reason: string }).stop_reason}`;
    return event;
  });
}

describe('OpenAI chunks → Anthropic stream events', () => {
  it('text: the exact event sequence, usage and cost in message_delta', () => {
    const events = run([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')]);
    expect(shape(events)).toEqual([
      'message_start',
      'ping',
      'start#0:text',
      'delta#0:text_delta',
      'delta#0:text_delta',
      'stop#0',
      'message_delta:end_turn',
      'message_stop',
    ]);
    const start = events[0]!.data.message as Record<string, unknown>;
    expect(start).toMatchObject({ id: 'msg_chatcmpl-9', type: 'message', role: 'assistant', model: 'sim-small', content: [], stop_reason: null });
    expect((start.usage as Record<string, unknown>).input_tokens).toBe(0);
    expect(events[2]!.data.content_block).toEqual({ type: 'text', text: '' });
    expect(events[3]!.data.delta).toEqual({ type: 'text_delta', text: 'Hel' });
    expect(events[6]!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 16, output_tokens: 5, cache_read_input_tokens: 4, cache_creation_input_tokens: 0, gantry_cost_usd: '0.000123' },
    });
  });

  it('text then parallel tool calls with argument deltas, correct indexes', () => {
    const events = run([
      chunk({ role: 'assistant', content: null }),
      chunk({ content: 'Checking.' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(shape(events)).toEqual([
      'message_start',
      'ping',
      'start#0:text',
      'delta#0:text_delta',
      'stop#0',
      'start#1:tool_use',
      'delta#1:input_json_delta',
      'delta#1:input_json_delta',
      'stop#1',
      'start#2:tool_use',
      'delta#2:input_json_delta',
      'stop#2',
      'message_delta:tool_use',
      'message_stop',
    ]);
    expect(events[5]!.data.content_block).toEqual({ type: 'tool_use', id: 'call_a', name: 'get_weather', input: {} });
    const json = events.filter((e) => e.data.index === 1 && e.event === 'content_block_delta').map((e) => (e.data.delta as { partial_json: string }).partial_json);
    expect(JSON.parse(json.join(''))).toEqual({ city: 'Paris' });
  });

  it('multi-byte UTF-8, including an emoji split into surrogate halves across chunks, reassembles exactly', () => {
    const events = run([chunk({ content: 'héllo ' }), chunk({ content: '\ud83c' }), chunk({ content: '\udf0d 日本' }), chunk({}, 'stop')]);
    const text = events
      .filter((e) => e.event === 'content_block_delta')
      .map((e) => (e.data.delta as { text: string }).text)
      .join('');
    expect(text).toBe('héllo 🌍 日本');
  });

  it('empty content: no content blocks at all', () => {
    expect(shape(run([chunk({ role: 'assistant', content: '' }), chunk({}, 'stop')]))).toEqual(['message_start', 'ping', 'message_delta:end_turn', 'message_stop']);
  });

  it('length → max_tokens; a reported stop sequence → stop_sequence', () => {
    expect(shape(run([chunk({ content: 'a' }), chunk({}, 'length')])).at(-2)).toBe('message_delta:max_tokens');
    const stopped = { ...chunk({}, 'stop') };
    (stopped.choices[0] as Record<string, unknown>).stop_reason = 'END';
    const ev = run([chunk({ content: 'a' }), stopped], { stopSequences: ['END'] }).at(-2)!;
    expect(ev.data.delta).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('thinking (Anthropic upstream): thinking_delta, then the signature when the signed block closes', () => {
    const events = run([
      chunk({ reasoning_content: 'Let me ' }),
      chunk({ reasoning_content: 'think.' }),
      chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'Let me think.', signature: 'sig==' }] }),
      chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'opaque' }] }),
      chunk({ content: 'Answer' }),
      chunk({}, 'stop'),
    ]);
    expect(shape(events)).toEqual([
      'message_start',
      'ping',
      'start#0:thinking',
      'delta#0:thinking_delta',
      'delta#0:thinking_delta',
      'delta#0:signature_delta',
      'stop#0',
      'start#1:redacted_thinking',
      'stop#1',
      'start#2:text',
      'delta#2:text_delta',
      'stop#2',
      'message_delta:end_turn',
      'message_stop',
    ]);
    expect(events[5]!.data.delta).toEqual({ type: 'signature_delta', signature: 'sig==' });
  });

  it('a mid-stream failure is an error event with the Anthropic error body', () => {
    const tr = createAnthropicStreamTranslator({ model: 'm', stopSequences: undefined, fallbackId: 'r' });
    const out = tr.chunk(chunk({ content: 'a' })) + tr.fail(new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED'));
    const events = parse(out);
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'api_error', message: 'The upstream stream ended before it was complete.', code: 'GW_UPSTREAM_STREAM_INTERRUPTED' } },
    });
  });

  it('refuses interleaved parallel tool-call arguments rather than mis-assign them', () => {
    const tr = createAnthropicStreamTranslator({ model: 'm', stopSequences: undefined, fallbackId: 'r' });
    tr.chunk(chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'x', arguments: '{' } }] }));
    tr.chunk(chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'y', arguments: '{' } }] }));
    expect(() => tr.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }))).toThrow(/interleaved/);
  });
});
