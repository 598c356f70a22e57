import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../kernel/errors/index.js';
import type { ChatCompletionChunk, ChatCompletionChunkChoice } from '../../../kernel/wire/openai.js';
import type { ResponseObject } from '../../../kernel/wire/responses.js';
import { responseShell } from './from-chat.js';
import { createResponsesEventStream, type ResponsesStreamEvent } from './stream-output.js';
import { validateResponsesRequest } from './validate.js';

type Delta = ChatCompletionChunkChoice['delta'];
const chunk = (delta: Delta, finish: ChatCompletionChunkChoice['finish_reason'] = null): ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'up',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usageChunk: ChatCompletionChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'up',
  choices: [],
  usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12, gantry_cost_usd: '0.000003' },
};

/** Runs chunks through the event stream and returns the events as a client would parse them. */
function run(chunks: ChatCompletionChunk[], end: 'finish' | Error = 'finish') {
  const events: ResponsesStreamEvent[] = [];
  let n = 0;
  const s = createResponsesEventStream(responseShell(validateResponsesRequest({ model: 'sim-small', input: 'x' }), 'resp_1', 0), (p) => `${p}${++n}`, (e) => {
    // Serialised at once, as the SSE writer does: later mutation must not change what was sent.
    events.push(JSON.parse(JSON.stringify(e)) as ResponsesStreamEvent);
    return undefined;
  });
  s.start();
  for (const c of chunks) s.chunk(c);
  let final: ResponseObject;
  if (end === 'finish') final = s.finish(usageChunk);
  else final = s.fail(new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', end.message));
  return { events, types: events.map((e) => e.type), final };
}

describe('Responses stream events', () => {
  it('emits the text event sequence in order with increasing sequence numbers', () => {
    const { events, types, final } = run([chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]).toMatchObject({ response: { id: 'resp_1', status: 'in_progress', output: [] } });
    expect(events[2]).toMatchObject({ output_index: 0, item: { type: 'message', id: 'msg_1', status: 'in_progress', content: [] } });
    expect(events[4]).toMatchObject({ item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hel' });
    expect(events[6]).toMatchObject({ item_id: 'msg_1', text: 'Hello' });
    expect(events[8]).toMatchObject({ item: { status: 'completed', content: [{ type: 'output_text', text: 'Hello' }] } });
    expect(events[9]).toMatchObject({ response: { status: 'completed', usage: { input_tokens: 9, output_tokens: 3, total_tokens: 12, gantry_cost_usd: '0.000003' } } });
    expect(final.output).toEqual((events[9]?.response as ResponseObject | undefined)?.output);
  });

  it('streams function-call arguments as deltas on their own items, one after the other', () => {
    const { events, types, final } = run([
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ]);
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events[2]).toMatchObject({ output_index: 0, item: { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'get_weather', arguments: '', status: 'in_progress' } });
    expect(events[3]).toMatchObject({ item_id: 'fc_1', output_index: 0, delta: '{"city":' });
    expect(events[5]).toMatchObject({ item_id: 'fc_1', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(events[7]).toMatchObject({ output_index: 1, item: { call_id: 'call_b', name: 'get_time' } });
    expect(final.output).toEqual([
      { type: 'function_call', id: 'fc_1', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
      { type: 'function_call', id: 'fc_2', call_id: 'call_b', name: 'get_time', arguments: '{}', status: 'completed' },
    ]);
  });

  it('closes the text item before a function call that follows it', () => {
    const { types, final } = run([chunk({ content: 'Checking.' }), chunk({ tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '{}' } }] }), chunk({}, 'tool_calls')]);
    expect(types.indexOf('response.output_item.done')).toBeLessThan(types.lastIndexOf('response.output_item.added'));
    expect(final.output.map((o) => o.type)).toEqual(['message', 'function_call']);
  });

  it('passes multi-byte UTF-8 through unchanged, whatever the chunking', () => {
    const pieces = ['日本', '語 🚀', ' ', 'é', '\u0301', 'ß'];
    const { events, final } = run([...pieces.map((p) => chunk({ content: p })), chunk({}, 'stop')]);
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas).toEqual(pieces);
    expect(events.find((e) => e.type === 'response.output_text.done')?.text).toBe('日本語 🚀 é\u0301ß');
    expect(final.output[0]).toMatchObject({ content: [{ text: '日本語 🚀 é\u0301ß' }] });
  });

  it('ends a max-tokens stop with response.incomplete', () => {
    const { types, final } = run([chunk({ content: 'cut' }), chunk({}, 'length')]);
    expect(types.at(-1)).toBe('response.incomplete');
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] });
  });

  it('sends an empty message for an empty answer', () => {
    const { types, final } = run([chunk({ role: 'assistant', content: '' }), chunk({}, 'stop')]);
    expect(types).toContain('response.output_text.done');
    expect(final.output).toEqual([{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }] }]);
  });

  it('reports a mid-stream failure as an error event then response.failed with what was produced', () => {
    const { events, types, final } = run([chunk({ content: 'partial' })], new Error('cut'));
    expect(types.slice(-4)).toEqual(['response.content_part.done', 'response.output_item.done', 'error', 'response.failed']);
    expect(events.at(-2)).toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED', message: 'cut' });
    expect(final).toMatchObject({ status: 'failed', error: { code: 'GW_UPSTREAM_STREAM_INTERRUPTED' }, output: [{ status: 'incomplete', content: [{ text: 'partial' }] }] });
  });
});
