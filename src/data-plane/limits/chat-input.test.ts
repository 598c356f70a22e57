import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { applyOutputCap, chatAdmitInput } from './chat-input.js';

const base = (over: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...over });

describe('chat admission input', () => {
  it('reserves for n choices', () => {
    expect(chatAdmitInput(base({ n: 4 })).choices).toBe(4);
    expect(chatAdmitInput(base()).choices).toBe(1);
  });

  it('covers the larger of max_tokens and max_completion_tokens when both are sent', () => {
    expect(chatAdmitInput(base({ max_tokens: 5_000, max_completion_tokens: 10 })).requestedMaxOutput).toBe(5_000);
    expect(chatAdmitInput(base({ max_completion_tokens: 10 })).requestedMaxOutput).toBe(10);
    expect(chatAdmitInput(base({ max_tokens: null })).requestedMaxOutput).toBeUndefined();
  });

  it('caps every output field the client sent, so no upstream reads an uncapped one', () => {
    const both = base({ max_tokens: 100_000, max_completion_tokens: 200_000 });
    applyOutputCap(both, 64, 'gpt-4o-mini');
    expect([both.max_tokens, both.max_completion_tokens]).toEqual([64, 64]);
    const none = base();
    applyOutputCap(none, 64, 'gpt-4o-mini');
    expect([none.max_tokens, none.max_completion_tokens]).toEqual([64, undefined]);
    // OpenAI reasoning models refuse max_tokens: the cap goes in max_completion_tokens.
    for (const model of ['o3', 'o4-mini', 'gpt-5-mini']) {
      const reasoning = base();
      applyOutputCap(reasoning, 64, model);
      expect([reasoning.max_tokens, reasoning.max_completion_tokens]).toEqual([undefined, 64]);
    }
    const completion = base({ max_completion_tokens: 100_000 });
    applyOutputCap(completion, 64, 'gpt-4o-mini');
    expect([completion.max_tokens, completion.max_completion_tokens]).toEqual([undefined, 64]);
  });

  it('bounds images by their token cost, not the bytes of their URL', async () => {
    const request = base({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'https://x.test/a.png' } }] }] });
    const input = chatAdmitInput(request);
    expect(input.inputTokensBound()).toBeGreaterThanOrEqual(3_000);
    expect(await input.exactInputTokens?.()).toBeGreaterThanOrEqual(3_000);
  });

  it('counts structured-output schemas and tool overhead as prompt', async () => {
    const schema = { type: 'json_schema' as const, json_schema: { name: 'o', schema: { type: 'object', properties: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`field_${i}`, { type: 'string' }])) } } };
    const plain = chatAdmitInput(base());
    const withSchema = chatAdmitInput(base({ response_format: schema }));
    expect(withSchema.inputTokensBound() - plain.inputTokensBound()).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(schema)));
    expect((await withSchema.exactInputTokens?.())! - (await plain.exactInputTokens?.())!).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(schema)));
    const tools = chatAdmitInput(base({ tools: [{ type: 'function', function: { name: 'f' } }] }));
    expect(tools.inputTokensBound() - plain.inputTokensBound()).toBeGreaterThan(350);
  });
});
