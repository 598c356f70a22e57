import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../kernel/errors/index.js';
import { validateResponsesRequest } from './validate.js';

function refusal(body: Record<string, unknown>): { param: string | undefined; message: string } {
  try {
    validateResponsesRequest({ model: 'm', input: 'hi', ...body });
  } catch (err) {
    if (err instanceof GatewayError) return { param: err.param, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Responses request validation', () => {
  it('accepts a minimal request and one continuing with only previous_response_id', () => {
    expect(validateResponsesRequest({ model: 'm', input: 'hi' }).model).toBe('m');
    expect(validateResponsesRequest({ model: 'm', previous_response_id: 'resp_1' }).previous_response_id).toBe('resp_1');
  });

  it('refuses built-in OpenAI tools with a 400 naming the tool type', () => {
    for (const type of ['web_search', 'file_search', 'computer_use_preview', 'code_interpreter', 'mcp', 'image_generation']) {
      const r = refusal({ tools: [{ type: 'function', name: 'ok' }, { type }] });
      expect(r.param).toBe('tools[1].type');
      expect(r.message).toContain(`"${type}" is a built-in OpenAI tool`);
    }
  });

  it('refuses fields whose meaning Gantry cannot keep, by name', () => {
    expect(refusal({ background: true }).param).toBe('background');
    expect(refusal({ conversation: 'conv_1' }).param).toBe('conversation');
    expect(refusal({ include: ['reasoning.encrypted_content'] }).param).toBe('include');
    expect(refusal({ tool_choice: { type: 'web_search_preview' } }).param).toBe('tool_choice.type');
    expect(refusal({ input: [{ type: 'item_reference', id: 'msg_1' }] }).param).toBe('input[0].type');
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }).param).toBe('input[0].content[0].image_url');
    expect(() => validateResponsesRequest({ model: 'm', input: 'hi', background: false, include: [] })).not.toThrow();
  });

  it('names malformed fields', () => {
    expect(refusal({ input: undefined }).param).toBe('input');
    expect(refusal({ input: [{ role: 'robot', content: 'x' }] }).param).toBe('input[0].role');
    expect(refusal({ input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }).param).toBe('input[0].call_id');
    expect(refusal({ input: [{ type: 'function_call_output', call_id: 'c' }] }).param).toBe('input[0].output');
    expect(refusal({ tools: [{ type: 'function', function: { name: 'nested' } }] }).param).toBe('tools[0].name');
    expect(refusal({ max_output_tokens: 0 }).param).toBe('max_output_tokens');
    expect(refusal({ text: { format: { type: 'json_schema', name: 'x' } } }).param).toBe('text.format.schema');
    expect(refusal({ metadata: { k: 1 } }).param).toBe('metadata.k');
    expect(refusal({ input: [{ role: 'user', content: [{ type: 'output_text', text: 'x' }] }] }).param).toBe('input[0].content[0].type');
  });
});
