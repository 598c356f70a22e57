import { describe, expect, it } from 'vitest';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { ProviderCallContext } from '../../providers/contract.js';
import { createSimulatorProvider } from '../../providers/simulator/index.js';
import { createCompletionAssembler } from './assemble.js';
import { replayChunks } from './replay.js';

const sim = createSimulatorProvider({ name: 'sim', instant: true });
const callCtx: ProviderCallContext = {
  requestId: 'r1',
  signal: new AbortController().signal,
  deployment: { id: 'sim/sim-small', provider: 'sim', upstreamModel: 'sim-small', timeouts: { connectMs: 1_000, headersMs: 10_000, bodyIdleMs: 10_000 }, faults: undefined },
};
const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

const assemble = (chunks: readonly ChatCompletionChunk[]): ChatCompletion | undefined => {
  const a = createCompletionAssembler();
  for (const c of chunks) a.add(c);
  return a.completion();
};
async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}
/** What a client sees of an answer: drops the nulls a wire format may or may not send. */
const seen = (c: ChatCompletion) => JSON.parse(JSON.stringify(c, (_k, v) => (v === null ? undefined : v)));

describe('createCompletionAssembler', () => {
  it.each<[string, ChatCompletionRequest]>([
    ['text', { model: 'sim-small', messages: [{ role: 'user', content: 'Tell me about lighthouses' }] }],
    ['tool calls', { model: 'sim-small', messages: [{ role: 'user', content: 'weather in Oslo please' }], tools: [weather] }],
  ])('assembles a simulator stream (%s) into the non-stream answer to the same request', async (_name, request) => {
    const full = await sim.chat(request, callCtx);
    const streamed = assemble(await collect(await sim.chatStream({ ...request, stream: true }, callCtx)));
    expect(streamed).toBeDefined();
    expect(seen(streamed!)).toEqual(seen({ ...full, created: streamed!.created }));
  });

  it('a stored answer replayed as a stream assembles back to itself (stream hit = non-stream hit)', async () => {
    const full = await sim.chat({ model: 'sim-small', messages: [{ role: 'user', content: 'weather in Oslo please' }], tools: [weather] }, callCtx);
    const stored = assemble(await collect(await sim.chatStream({ model: 'sim-small', messages: [{ role: 'user', content: 'Hi' }], stream: true }, callCtx)))!;
    for (const answer of [full, stored]) {
      const replayed = assemble(replayChunks(answer))!;
      // The usage chunk is the chat server's (with the cost); everything else comes back unchanged.
      expect(seen(replayed)).toEqual(seen({ ...answer, usage: undefined }));
    }
  });

  it('joins tool-call deltas by index (id and name once, arguments in pieces), interleaved', () => {
    const chunk = (delta: ChatCompletionChunk['choices'][number]['delta'], finish: 'tool_calls' | null = null): ChatCompletionChunk => ({
      id: 'c1',
      object: 'chat.completion.chunk',
      created: 7,
      model: 'up',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const got = assemble([
      chunk({ role: 'assistant', content: null }),
      chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: ':2}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      chunk({}, 'tool_calls'),
      { id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'up', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ]);
    expect(got).toEqual({
      id: 'c1',
      object: 'chat.completion',
      created: 7,
      model: 'up',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
              { id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"x":2}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('keeps reasoning text, refusals and logprobs, and round-trips them through a replay', () => {
    const answer: ChatCompletion = {
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'up',
      system_fingerprint: 'fp',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Paris.', reasoning_content: 'The capital of France…', refusal: '' },
          finish_reason: 'stop',
          logprobs: { content: [{ token: 'Paris', logprob: -0.1 }], refusal: null },
        },
      ],
    };
    expect(assemble(replayChunks(answer))).toEqual(answer);
  });

  it('has nothing before the first chunk', () => {
    expect(createCompletionAssembler().completion()).toBeUndefined();
  });
});
