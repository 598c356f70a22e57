import { describe, expect, it } from 'vitest';
import type { ResponsesInputItem, ResponsesRequest } from '../../../kernel/wire/responses.js';
import { toChatRequest } from './to-chat.js';
import { validateResponsesRequest } from './validate.js';

const req = (body: Record<string, unknown>): ResponsesRequest => validateResponsesRequest({ model: 'm', ...body });

describe('Responses → chat translation', () => {
  it('turns a string input and instructions into a system and a user message', () => {
    const chat = toChatRequest(req({ input: 'Hi', instructions: 'Be brief.' }), []);
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(chat.stream).toBe(false);
  });

  it('maps message items, content parts and roles', () => {
    const chat = toChatRequest(
      req({
        input: [
          { role: 'developer', content: [{ type: 'input_text', text: 'Rules.' }] },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'What is in ' },
              { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' },
              { type: 'input_file', file_data: 'data:application/pdf;base64,AAAA', filename: 'a.pdf' },
            ],
          },
          { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'A cat.', annotations: [] }] },
        ],
      }),
      [],
    );
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'Rules.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in ' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,AAAA', filename: 'a.pdf' } },
        ],
      },
      { role: 'assistant', content: 'A cat.' },
    ]);
  });

  it('joins function calls to the assistant turn before them and sends outputs as tool messages', () => {
    const chat = toChatRequest(
      req({
        input: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
          { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
          { type: 'function_call_output', call_id: 'call_1', output: '18°C' },
          { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '2' }, { type: 'input_text', text: '1°C' }] },
          { type: 'function_call', call_id: 'call_3', name: 'get_time', arguments: '{}' },
        ],
      }),
      [],
    );
    expect(chat.messages).toEqual([
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'call_2', content: '21°C' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_3', type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
    ]);
  });

  it('prepends the stored conversation of previous_response_id, without its instructions', () => {
    const history: ResponsesInputItem[] = [
      { role: 'user', content: 'Hi' },
      { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello!', annotations: [] }] },
      { type: 'function_call', id: 'fc_1', call_id: 'call_9', name: 'f', arguments: '{}', status: 'completed' },
    ];
    const chat = toChatRequest(
      req({ previous_response_id: 'resp_1', instructions: 'New rules.', input: [{ type: 'function_call_output', call_id: 'call_9', output: 'done' }] }),
      history,
    );
    expect(chat.messages).toEqual([
      { role: 'system', content: 'New rules.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: 'done' },
    ]);
  });

  it('translates tools, tool_choice, limits, sampling and text.format', () => {
    const chat = toChatRequest(
      req({
        input: 'x',
        stream: true,
        tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true }, { type: 'function', name: 'bare' }],
        tool_choice: { type: 'function', name: 'get_weather' },
        parallel_tool_calls: false,
        max_output_tokens: 50,
        temperature: 0.2,
        top_p: 0.9,
        user: 'u1',
        reasoning: { effort: 'low' },
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
        store: false,
        metadata: { a: 'b' },
      }),
      [],
    );
    expect(chat).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      max_completion_tokens: 50,
      temperature: 0.2,
      top_p: 0.9,
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true } },
        { type: 'function', function: { name: 'bare' } },
      ],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      user: 'u1',
      reasoning_effort: 'low',
    });
    expect(toChatRequest(req({ input: 'x', text: { format: { type: 'json_object' } }, tool_choice: 'required' }), [])).toMatchObject({
      response_format: { type: 'json_object' },
      tool_choice: 'required',
    });
  });
});
