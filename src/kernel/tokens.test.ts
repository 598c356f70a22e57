import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, messageText, type Tokenizer } from './tokens.js';

let t: Tokenizer;
beforeAll(async () => {
  t = await loadTokenizer();
});

describe('tokens', () => {
  it('counts with the o200k tokenizer', () => {
    expect(t.countText('')).toBe(0);
    expect(t.countText('hello world there')).toBe(3);
    expect(t.decode(t.encode('héllo wörld ✓'))).toBe('héllo wörld ✓');
  });

  it('treats special-token strings in user text as plain text', () => {
    expect(t.countText('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('counts chat framing per message and tools', () => {
    const one = t.countChatPrompt([{ role: 'user', content: 'hello world there' }]);
    expect(one).toBe(3 + 3 + 3);
    const withParts = t.countChatPrompt([
      { role: 'user', content: [{ type: 'text', text: 'hello world there' }, { type: 'image_url', image_url: { url: 'x' } }] },
    ]);
    expect(withParts).toBe(one);
    const withTools = t.countChatPrompt([{ role: 'user', content: 'hello world there' }], [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ]);
    expect(withTools).toBeGreaterThan(one);
    expect(messageText(null)).toBe('');
  });
});
