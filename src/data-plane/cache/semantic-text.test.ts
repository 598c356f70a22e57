import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { MAX_SEMANTIC_CHARS, semanticEligible, splitForSemantic } from './semantic-text.js';

const settings = { embeddingModel: 'embed', threshold: 0.95, ttlMs: 60_000, allowTools: false, anyTemperature: false };
const tool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object' } } };
const ask = (content: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({
  model: 'chat',
  temperature: 0,
  messages: [{ role: 'user', content }],
  ...extra,
});

describe('semantic false-hit guard', () => {
  it('by default serves only requests without tools and with temperature 0 (absent is not 0), and never n > 1', () => {
    expect(semanticEligible(settings, ask('hi'))).toBe(true);
    expect(semanticEligible(settings, ask('hi', { temperature: 0.7 }))).toBe(false);
    expect(semanticEligible(settings, ask('hi', { temperature: undefined }))).toBe(false);
    expect(semanticEligible(settings, ask('hi', { temperature: null }))).toBe(false);
    expect(semanticEligible(settings, ask('hi', { tools: [tool] }))).toBe(false);
    expect(semanticEligible(settings, ask('hi', { functions: [{ name: 'f' }] }))).toBe(false);
    expect(semanticEligible(settings, ask('hi', { tools: [] }))).toBe(true);
    expect(semanticEligible(settings, ask('hi', { n: 2 }))).toBe(false);
    expect(semanticEligible(settings, ask('hi', { n: 1 }))).toBe(true);
  });

  it('allowTools and anyTemperature lift their guard only', () => {
    expect(semanticEligible({ ...settings, allowTools: true }, ask('hi', { tools: [tool] }))).toBe(true);
    expect(semanticEligible({ ...settings, allowTools: true }, ask('hi', { tools: [tool], temperature: 1 }))).toBe(false);
    expect(semanticEligible({ ...settings, anyTemperature: true }, ask('hi', { temperature: 1 }))).toBe(true);
    expect(semanticEligible({ ...settings, anyTemperature: true }, ask('hi', { temperature: 1, tools: [tool] }))).toBe(false);
    expect(semanticEligible({ ...settings, anyTemperature: true, allowTools: true }, ask('hi', { n: 3 }))).toBe(false);
  });
});

describe('what is compared by meaning', () => {
  it('embeds the last user message text (parts joined, images left out) and hashes the rest', () => {
    const split = splitForSemantic({
      model: 'chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: ' What is in' }, { type: 'image_url', image_url: { url: 'https://x/a.png' } }, { type: 'text', text: 'this picture? ' }] },
      ],
    });
    expect(split?.text).toBe('What is in\nthis picture?');
    expect(split?.context).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the context is the same for requests that differ only in the last user text, and differs for anything else', () => {
    const base = splitForSemantic(ask('What is the capital of France?'))?.context;
    expect(splitForSemantic(ask("what's the capital of France"))?.context).toBe(base);
    expect(splitForSemantic(ask('hi', { stream: true, user: 'u1', metadata: { a: 1 } }))?.context).toBe(base);
    const other = [
      ask('hi', { max_tokens: 10 }),
      ask('hi', { response_format: { type: 'json_object' } }),
      ask('hi', { seed: 1 }),
      ask('hi', { stop: ['\n'] }),
      { model: 'chat', temperature: 0, messages: [{ role: 'system' as const, content: 'Answer in French.' }, { role: 'user' as const, content: 'hi' }] },
      { model: 'chat', temperature: 0, messages: [{ role: 'user' as const, content: 'earlier' }, { role: 'assistant' as const, content: 'ok' }, { role: 'user' as const, content: 'hi' }] },
    ];
    for (const request of other) expect(splitForSemantic(request)?.context).not.toBe(base);
  });

  it('two prompts with the same text and different images never share a context', () => {
    const withImage = (url: string) =>
      splitForSemantic(ask('', { messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe this image' }, { type: 'image_url', image_url: { url } }] }] }));
    expect(withImage('https://x/cat.png')?.context).not.toBe(withImage('https://x/dog.png')?.context);
    expect(withImage('https://x/cat.png')?.text).toBe('Describe this image');
  });

  it('has nothing to compare when the last message is not a user text, or the text is too long to compare whole', () => {
    expect(splitForSemantic(ask('', { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'Sure,' }] }))).toBeUndefined();
    expect(splitForSemantic(ask('   '))).toBeUndefined();
    expect(splitForSemantic(ask('', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x' } }] }] }))).toBeUndefined();
    expect(splitForSemantic(ask('', { messages: [] }))).toBeUndefined();
    expect(splitForSemantic(ask('x'.repeat(MAX_SEMANTIC_CHARS)))?.text).toHaveLength(MAX_SEMANTIC_CHARS);
    expect(splitForSemantic(ask('x'.repeat(MAX_SEMANTIC_CHARS + 1)))).toBeUndefined();
  });
});
