import { describe, expect, it } from 'vitest';
import type { AnthropicMessagesRequest } from '../../../kernel/wire/anthropic.js';
import { toChatRequest } from './to-chat.js';
import { validateMessagesRequest } from './validate.js';

const base = { model: 'm', max_tokens: 100 };
const translate = (body: Record<string, unknown>, native = false) => toChatRequest(validateMessagesRequest({ ...base, ...body }), { native });

const weather = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } };

describe('Anthropic request → chat request', () => {
  const cases: Array<{ name: string; body: Record<string, unknown>; native?: boolean; expect: Record<string, unknown> }> = [
    {
      name: 'plain text and sampling fields',
      body: { messages: [{ role: 'user', content: 'Hi' }], temperature: 0.5, top_p: 0.9, top_k: 40, stop_sequences: ['END'], metadata: { user_id: 'u-1' } },
      expect: { model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], temperature: 0.5, top_p: 0.9, top_k: 40, stop: ['END'], user: 'u-1' },
    },
    {
      name: 'system as a string',
      body: { system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] },
      expect: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] },
    },
    {
      name: 'system as text blocks (joined; cache_control dropped for a non-Anthropic upstream)',
      body: { system: [{ type: 'text', text: 'A' }, { type: 'text', text: 'B', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hi' }] },
      expect: { messages: [{ role: 'system', content: 'A\n\nB' }, { role: 'user', content: 'Hi' }] },
    },
    {
      name: 'system blocks keep cache_control for an Anthropic upstream',
      native: true,
      body: { system: [{ type: 'text', text: 'A', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hi' }] },
      expect: { messages: [{ role: 'system', content: [{ type: 'text', text: 'A', cache_control: { type: 'ephemeral' } }] }, { role: 'user', content: 'Hi' }] },
    },
    {
      name: 'multi-turn tool use round trip (tool results first, in order, then the user text)',
      body: {
        tools: [weather],
        tool_choice: { type: 'auto', disable_parallel_tool_use: true },
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
              { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Rome' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Thanks' },
              { type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' },
              { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'text', text: 'rain' }], is_error: true },
            ],
          },
        ],
      },
      expect: {
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weather.input_schema } }],
        tool_choice: 'auto',
        parallel_tool_calls: false,
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'toolu_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'toolu_1', content: '18°C' },
          { role: 'tool', tool_call_id: 'toolu_2', content: 'Error: rain' },
          { role: 'user', content: 'Thanks' },
        ],
      },
    },
    {
      name: 'assistant with only tool_use has null content; empty tool_result stays empty',
      body: {
        tools: [weather],
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'get_weather', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't' }] },
        ],
      },
      expect: {
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 't', content: '' },
        ],
      },
    },
    {
      name: 'images: base64 → data URL, url → url',
      body: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
              { type: 'text', text: 'What is this?' },
            ],
          },
        ],
      },
      expect: {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } },
              { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } },
              { type: 'text', text: 'What is this?' },
            ],
          },
        ],
      },
    },
    {
      name: 'tool_choice any → required, tool → function, none → none',
      body: { tools: [weather], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'x' }] },
      expect: { tool_choice: 'required' },
    },
    {
      name: 'tool_choice tool',
      body: { tools: [weather], tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'x' }] },
      expect: { tool_choice: { type: 'function', function: { name: 'get_weather' } } },
    },
    {
      name: 'tool_choice none',
      body: { tools: [weather], tool_choice: { type: 'none' }, messages: [{ role: 'user', content: 'x' }] },
      expect: { tool_choice: 'none' },
    },
    {
      name: 'thinking blocks and the thinking parameter reach an Anthropic upstream with their signatures',
      native: true,
      body: {
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [
          { role: 'user', content: 'x' },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'hmm', signature: 'sig' },
              { type: 'redacted_thinking', data: 'opaque' },
              { type: 'text', text: 'ok' },
            ],
          },
          { role: 'assistant', content: 'prefill' },
        ],
      },
      expect: {
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: 'ok', thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'opaque' }] },
          { role: 'assistant', content: 'prefill' },
        ],
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      expect(translate(c.body, c.native)).toMatchObject(c.expect);
    });
  }

  it('drops thinking (parameter and history) for a non-Anthropic upstream', () => {
    const out = translate({
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'ok' }] },
        { role: 'user', content: 'y' },
      ],
    });
    expect(out.thinking).toBeUndefined();
    expect(out.messages[1]).toEqual({ role: 'assistant', content: 'ok' });
  });

  it('refuses a final assistant message (prefill) for a non-Anthropic upstream, naming it', () => {
    expect(() => translate({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'The answer is' }] })).toThrow(/messages\[1\]\.role/);
  });

  it('a PDF document becomes a file part; a URL document is refused', () => {
    const pdf = translate({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } }] }] });
    expect(pdf.messages[0]!.content).toEqual([{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE' } }]);
    expect(() => translate({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }] }] })).toThrow(
      /messages\[0\]\.content\[0\]\.source/,
    );
  });

  it('output_config: effort → reasoning_effort, format → response_format json_schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(translate({ output_config: { effort: 'low', format: { type: 'json_schema', schema } }, messages: [{ role: 'user', content: 'x' }] })).toMatchObject({
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema, strict: true } },
    });
  });

  it('system turns inside messages stay in place; top-level cache_control marks the last message only for an Anthropic upstream', () => {
    const body = { cache_control: { type: 'ephemeral' }, messages: [{ role: 'user', content: 'x' }, { role: 'system', content: 'Now be formal.' }, { role: 'user', content: 'y' }] };
    expect(translate(body).messages).toEqual([
      { role: 'user', content: 'x' },
      { role: 'system', content: 'Now be formal.' },
      { role: 'user', content: 'y' },
    ]);
    expect(translate(body, true).messages.at(-1)).toEqual({ role: 'user', content: 'y', cache_control: { type: 'ephemeral' } });
  });

  it('does not set stream for a non-stream request', () => {
    const req: AnthropicMessagesRequest = { ...base, messages: [{ role: 'user', content: 'x' }] };
    expect(toChatRequest(req, { native: false })).toEqual({ model: 'm', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
  });
});
