import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../kernel/errors/index.js';
import { validateCountTokensRequest, validateMessagesRequest } from './validate.js';

function paramOf(body: unknown, fn: (body: unknown) => unknown = validateMessagesRequest): string | undefined {
  try {
    fn(body);
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'GW_REQUEST_INVALID') return err.param;
    throw err;
  }
  return undefined;
}

const ok = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };

describe('validateMessagesRequest names the field at fault', () => {
  const cases: Array<[string, unknown, string | undefined]> = [
    ['a valid request', ok, undefined],
    ['missing model', { ...ok, model: undefined }, 'model'],
    ['missing max_tokens (Anthropic requires it)', { ...ok, max_tokens: undefined }, 'max_tokens'],
    ['max_tokens 0', { ...ok, max_tokens: 0 }, 'max_tokens'],
    ['empty messages', { ...ok, messages: [] }, 'messages'],
    ['a tool role in messages', { ...ok, messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
    ['an image in a system turn', { ...ok, messages: [{ role: 'system', content: [{ type: 'image' }] }] }, 'messages[0].content[0]'],
    ['output_config.effort unknown', { ...ok, output_config: { effort: 'extreme' } }, 'output_config.effort'],
    ['a container (code execution)', { ...ok, container: 'c1' }, 'container'],
    ['a tool_use block in a user message', { ...ok, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] }, 'messages[0].content[0].type'],
    ['a tool_result without tool_use_id', { ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }, 'messages[0].content[0].tool_use_id'],
    ['an unknown block type', { ...ok, messages: [{ role: 'user', content: [{ type: 'search_result' }] }] }, 'messages[0].content[0].type'],
    ['an image without source', { ...ok, messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'messages[0].content[0].source'],
    ['temperature above 1', { ...ok, temperature: 1.5 }, 'temperature'],
    ['a tool without input_schema', { ...ok, tools: [{ name: 'a' }] }, 'tools[0].input_schema'],
    ['an Anthropic-defined tool', { ...ok, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type'],
    ['tool_choice tool without name', { ...ok, tool_choice: { type: 'tool' } }, 'tool_choice.name'],
    ['an unknown top-level field', { ...ok, mcp_servers: [] }, 'mcp_servers'],
    ['empty stop sequence', { ...ok, stop_sequences: [''] }, 'stop_sequences'],
    ['metadata with an unknown key', { ...ok, metadata: { foo: 1 } }, 'metadata.foo'],
  ];
  for (const [name, body, param] of cases) it(name, () => expect(paramOf(body)).toBe(param));

  it('count_tokens needs no max_tokens, tolerates the other Messages fields, refuses unknown ones', () => {
    expect(paramOf({ model: 'm', messages: ok.messages }, validateCountTokensRequest)).toBeUndefined();
    expect(paramOf({ ...ok, temperature: 0.2 }, validateCountTokensRequest)).toBeUndefined();
    expect(paramOf({ ...ok, messages: [] }, validateCountTokensRequest)).toBe('messages');
    expect(paramOf({ ...ok, mcp_servers: [] }, validateCountTokensRequest)).toBe('mcp_servers');
  });
});
