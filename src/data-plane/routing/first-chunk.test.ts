import { describe, expect, it } from 'vitest';
import type { ChatCompletionChunk } from '../../kernel/wire/openai.js';
import { openFirstChunk } from './first-chunk.js';

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish as ChatCompletionChunk['choices'][number]['finish_reason'] }],
});
const role = chunk({ role: 'assistant', content: '' });

/** A provider stream that records how far it was read and whether it was closed. */
function upstream(chunks: ChatCompletionChunk[], failAt?: number) {
  const state = { pulled: 0, closed: false };
  async function* gen() {
    try {
      for (let i = 0; i < chunks.length; i++) {
        if (i === failAt) throw new Error('cut');
        state.pulled++;
        yield chunks[i] as ChatCompletionChunk;
      }
    } finally {
      state.closed = true;
    }
  }
  return { stream: gen(), state };
}

describe('openFirstChunk', () => {
  it('reads past empty leading chunks up to the first one with content, then yields them all and the rest', async () => {
    const { stream, state } = upstream([role, chunk({ content: 'Hel' }), chunk({ content: 'lo' }), chunk({}, 'stop')]);
    const pending = await openFirstChunk(stream);
    expect(state.pulled).toBe(2);
    expect(pending.filtered).toBe(false);
    let ended = 0;
    const seen: unknown[] = [];
    for await (const c of pending.chunks(() => ended++)) seen.push(c.choices[0]?.delta.content ?? c.choices[0]?.finish_reason);
    expect(seen).toEqual(['', 'Hel', 'lo', 'stop']);
    expect(ended).toBe(1);
  });

  it('throws a failure that comes before the first chunk with content (the caller can still fail over)', async () => {
    const { stream } = upstream([role, chunk({ content: 'x' })], 1);
    await expect(openFirstChunk(stream)).rejects.toThrow('cut');
  });

  it('reads past a usage-only chunk (the Anthropic provider sends one at message_start; the client gets it only at the end)', async () => {
    const usage: ChatCompletionChunk = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 10, completion_tokens: 0, total_tokens: 10 } };
    const { stream } = upstream([role, usage, chunk({ content: 'x' })], 2);
    await expect(openFirstChunk(stream)).rejects.toThrow('cut');
  });

  it('hands a failure after the first chunk to the consumer, and still ends once', async () => {
    const { stream } = upstream([role, chunk({ content: 'a' }), chunk({ content: 'b' })], 2);
    const pending = await openFirstChunk(stream);
    let ended = 0;
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of pending.chunks(() => ended++)) seen.push(String(c.choices[0]?.delta.content));
    })().catch((e: unknown) => e);
    expect(String(err)).toContain('cut');
    expect(seen).toEqual(['', 'a']);
    expect(ended).toBe(1);
  });

  it('closes the upstream when the consumer stops early', async () => {
    const { stream, state } = upstream([role, chunk({ content: 'a' }), chunk({ content: 'b' }), chunk({ content: 'c' })]);
    const pending = await openFirstChunk(stream);
    let ended = 0;
    for await (const _ of pending.chunks(() => ended++)) break;
    expect(state.closed).toBe(true);
    expect(state.pulled).toBe(2);
    expect(ended).toBe(1);
  });

  it('tells a content-filtered answer (the first chunk that carries anything finishes with content_filter)', async () => {
    const { stream, state } = upstream([role, chunk({}, 'content_filter'), chunk({})]);
    const pending = await openFirstChunk(stream);
    expect(pending.filtered).toBe(true);
    pending.close();
    await new Promise((r) => setImmediate(r));
    expect(state.closed).toBe(true);
  });

  it('serves an empty stream as it is', async () => {
    const { stream } = upstream([]);
    const pending = await openFirstChunk(stream);
    const seen: unknown[] = [];
    for await (const c of pending.chunks(() => {})) seen.push(c);
    expect(seen).toEqual([]);
  });
});
