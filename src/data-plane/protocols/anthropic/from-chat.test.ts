import { describe, expect, it } from 'vitest';
import type { ChatCompletion } from '../../../kernel/wire/openai.js';
import { anthropicUsage, fromChatCompletion, stopReason } from './from-chat.js';

function completion(message: Record<string, unknown>, finish: string, usage?: Record<string, unknown>): ChatCompletion {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'up',
    choices: [{ index: 0, message: { role: 'assistant', content: null, ...message }, finish_reason: finish as 'stop' }],
    usage: (usage ?? { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }) as ChatCompletion['usage'],
  };
}

describe('chat completion → Anthropic message', () => {
  it('text answer', () => {
    expect(fromChatCompletion(completion({ content: 'Hello' }, 'stop'), { model: 'sim-small', fallbackId: 'req_1' })).toEqual({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'sim-small',
      content: [{ type: 'text', text: 'Hello' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 3, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('text then tool_use blocks with parsed input; invalid JSON arguments kept as the raw string', () => {
    const msg = fromChatCompletion(
      completion(
        {
          content: 'Let me check.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":' } },
          ],
        },
        'tool_calls',
      ),
      { model: 'm', fallbackId: 'r' },
    );
    expect(msg.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'call_2', name: 'get_weather', input: '{"city":' },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('empty content gives no blocks', () => {
    expect(fromChatCompletion(completion({ content: '' }, 'stop'), { model: 'm', fallbackId: 'r' }).content).toEqual([]);
  });

  it('signed thinking blocks from an Anthropic upstream come first and unchanged', () => {
    const msg = fromChatCompletion(
      completion({ content: 'A', reasoning_content: 'hmm', thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'x' }] }, 'stop'),
      { model: 'm', fallbackId: 'r' },
    );
    expect(msg.content).toEqual([
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
      { type: 'redacted_thinking', data: 'x' },
      { type: 'text', text: 'A' },
    ]);
  });

  it('stop reasons', () => {
    expect(stopReason('stop', undefined, undefined)).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
    expect(stopReason('length', undefined, undefined).stop_reason).toBe('max_tokens');
    expect(stopReason('tool_calls', undefined, undefined).stop_reason).toBe('tool_use');
    expect(stopReason('content_filter', undefined, undefined).stop_reason).toBe('refusal');
    expect(stopReason(null, undefined, undefined).stop_reason).toBe('end_turn');
    // vLLM reports the matched stop string in choice.stop_reason.
    expect(stopReason('stop', 'END', ['END'])).toEqual({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
    expect(stopReason('stop', 'OTHER', ['END']).stop_reason).toBe('end_turn');
    const vllm = completion({ content: 'x' }, 'stop');
    (vllm.choices[0] as Record<string, unknown>).stop_reason = 'END';
    expect(fromChatCompletion(vllm, { model: 'm', stopSequences: ['END'], fallbackId: 'r' })).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('usage: input excludes cached and cache-written tokens, which are reported apart', () => {
    expect(
      anthropicUsage({ prompt_tokens: 3084, completion_tokens: 9, total_tokens: 3093, prompt_tokens_details: { cached_tokens: 1024 }, cache_creation_input_tokens: 2048 }, '0.01'),
    ).toEqual({ input_tokens: 12, output_tokens: 9, cache_read_input_tokens: 1024, cache_creation_input_tokens: 2048, gantry_cost_usd: '0.01' });
    expect(anthropicUsage(undefined)).toEqual({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });
});
