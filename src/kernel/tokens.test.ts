import { describe, expect, it } from 'vitest';
import { countChatPromptTokens, countTextTokens, decodeTokens, encodeText, messageText } from './tokens.js';

describe('tokens', () => {
  it('counts with the o200k tokenizer', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('hello world there')).toBe(3);
    expect(decodeTokens(encodeText('héllo wörld ✓'))).toBe('héllo wörld ✓');
  });

  it('treats special-token strings in user text as plain text', () => {
    expect(countTextTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('counts chat framing per message and tools', () => {
    const one = countChatPromptTokens([{ role: 'user', content: 'hello world there' }]);
    expect(one).toBe(3 + 3 + 3);
    const withParts = countChatPromptTokens([
      { role: 'user', content: [{ type: 'text', text: 'hello world there' }, { type: 'image_url', image_url: { url: 'x' } }] },
    ]);
    expect(withParts).toBe(one);
    const withTools = countChatPromptTokens([{ role: 'user', content: 'hello world there' }], [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ]);
    expect(withTools).toBeGreaterThan(one);
    expect(messageText(null)).toBe('');
  });
});
