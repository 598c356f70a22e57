import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { toAnthropicRequest } from './to-anthropic.js';

const base: ChatCompletionRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }] };
const translate = (extra: Partial<ChatCompletionRequest>) => toAnthropicRequest({ ...base, ...extra }, 'claude-x', false);
const rejects = (extra: Partial<ChatCompletionRequest>, param: string) => expect(() => translate(extra)).toThrow(expect.objectContaining({ code: 'GW_REQUEST_INVALID', param }));

describe('OpenAI chat request → Anthropic request', () => {
  it('maps tool_choice none/auto and leaves tool_choice out when no tools are offered', () => {
    const tools: ChatCompletionRequest['tools'] = [{ type: 'function', function: { name: 'f', strict: true } }];
    expect(translate({ tools, tool_choice: 'none' })).toMatchObject({ tools: [{ name: 'f', input_schema: { type: 'object', properties: {} }, strict: true }], tool_choice: { type: 'none' } });
    expect(translate({ tools, parallel_tool_calls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(translate({ tools }).tool_choice).toBeUndefined();
    expect(translate({ tool_choice: 'required' })).not.toHaveProperty('tool_choice');
  });

  it('keeps cache_control on tools and on messages (on their last block), and maps ids Anthropic would refuse', () => {
    const r = translate({
      tools: [{ type: 'function', function: { name: 'f' }, cache_control: { type: 'ephemeral' } } as never],
      messages: [
        { role: 'system', content: 'Long policy', cache_control: { type: 'ephemeral' } },
        { role: 'user', content: 'go' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call:1/a', type: 'function', function: { name: 'f', arguments: '' } }] },
        { role: 'tool', tool_call_id: 'call:1/a', content: [{ type: 'text', text: 'ok' }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] },
        { role: 'tool', tool_call_id: 'call_2', content: '' },
      ],
    });
    expect(r.tools?.[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(r.system).toEqual([{ type: 'text', text: 'Long policy', cache_control: { type: 'ephemeral' } }]);
    expect(r.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 'call_1_a', name: 'f', input: {} }] });
    expect(r.messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1_a', content: [{ type: 'text', text: 'ok' }, { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } }] },
        { type: 'tool_result', tool_use_id: 'call_2' },
      ],
    });
  });

  it('keeps a final assistant message as a prefill and translates reasoning_effort and PDF files', () => {
    const r = translate({
      reasoning_effort: 'minimal',
      messages: [
        { role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } }] },
        { role: 'assistant', content: '{' },
      ],
    });
    expect(r.output_config).toEqual({ effort: 'low' });
    expect(r.messages).toEqual([
      { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }] },
      { role: 'assistant', content: '{' },
    ]);
  });

  it('refuses what has no faithful translation, naming the field', () => {
    rejects({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] }] }, 'messages[0].content[0].type');
    rejects({ messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role');
    rejects({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] }] }, 'messages[0].tool_calls[0].function.arguments');
    rejects({ messages: [{ role: 'assistant', content: 'x', thinking_blocks: [{ type: 'thinking', thinking: 'no signature' }] }] }, 'messages[0].thinking_blocks[0]');
    rejects({ messages: [{ role: 'user', content: '' }] }, 'messages');
    rejects({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }, 'messages[0].content[0].file');
    rejects({ response_format: { type: 'json_schema', json_schema: { name: 'a' } } }, 'response_format.json_schema.schema');
    rejects({ reasoning_effort: 'extreme' }, 'reasoning_effort');
    rejects({ logprobs: true }, 'logprobs');
    rejects({ frequency_penalty: 0.5 }, 'frequency_penalty');
    expect(translate({ frequency_penalty: 0, presence_penalty: 0, seed: 3, n: 1, response_format: { type: 'text' } })).toEqual({
      model: 'claude-x',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'hi' }],
    });
  });
});
