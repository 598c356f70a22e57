import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../../../kernel/wire/openai.js';
import { fromChatCompletion, responseShell } from './from-chat.js';
import { validateResponsesRequest } from './validate.js';

const seqIds = () => {
  let n = 0;
  return (prefix: string) => `${prefix}${++n}`;
};

const completion = (message: ChatCompletion['choices'][number]['message'], finish: ChatCompletion['choices'][number]['finish_reason']): ChatCompletion => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'upstream-model',
  choices: [{ index: 0, message, finish_reason: finish }],
  usage: {
    prompt_tokens: 20,
    completion_tokens: 7,
    total_tokens: 27,
    prompt_tokens_details: { cached_tokens: 4 },
    completion_tokens_details: { reasoning_tokens: 2 },
    gantry_cost_usd: '0.000012',
  },
});

const shell = (body: Record<string, unknown> = {}) =>
  responseShell(validateResponsesRequest({ model: 'sim-small', input: 'hi', ...body }), 'resp_1', 1_700_000_000_500);

describe('chat completion → response object', () => {
  it('renders text as one output_text message with usage mapped and the request echoed', () => {
    const r = fromChatCompletion(completion({ role: 'assistant', content: 'Héllo 🚀' }, 'stop'), shell({ instructions: 'Be nice', metadata: { a: 'b' }, temperature: 0.5 }), seqIds());
    expect(r).toMatchObject({
      id: 'resp_1',
      object: 'response',
      created_at: 1_700_000_000,
      status: 'completed',
      incomplete_details: null,
      error: null,
      model: 'sim-small',
      instructions: 'Be nice',
      metadata: { a: 'b' },
      temperature: 0.5,
      store: true,
      output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Héllo 🚀', annotations: [] }] }],
      usage: {
        input_tokens: 20,
        input_tokens_details: { cached_tokens: 4 },
        output_tokens: 7,
        output_tokens_details: { reasoning_tokens: 2 },
        total_tokens: 27,
        gantry_cost_usd: '0.000012',
      },
    });
  });

  it('renders tool calls as function_call items after any text', () => {
    const r = fromChatCompletion(
      completion(
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        'tool_calls',
      ),
      shell(),
      seqIds(),
    );
    expect(r.status).toBe('completed');
    expect(r.output.map((o) => o.type)).toEqual(['message', 'function_call', 'function_call']);
    expect(r.output[1]).toEqual({ type: 'function_call', id: 'fc_2', call_id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' });
    const onlyCalls = fromChatCompletion(completion({ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }, 'tool_calls'), shell(), seqIds());
    expect(onlyCalls.output.map((o) => o.type)).toEqual(['function_call']);
  });

  it('marks a max-tokens stop incomplete and keeps an empty answer as an empty message', () => {
    const cut = fromChatCompletion(completion({ role: 'assistant', content: 'partial' }, 'length'), shell({ max_output_tokens: 5 }), seqIds());
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 5, output: [{ status: 'incomplete' }] });
    const empty = fromChatCompletion(completion({ role: 'assistant', content: '' }, 'stop'), shell(), seqIds());
    expect(empty.output).toEqual([{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: '', annotations: [], logprobs: [] }] }]);
  });
});
