import type { ChatCompletion, ChatCompletionChunk, ChatCompletionChunkChoice } from '../../kernel/wire/openai.js';

/**
 * A cached completion as the chunks of a stream: per choice a role chunk, its content (or tool
 * calls), and its finish reason. The usage chunk is added by the chat server (with the cost).
 */
export function replayChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: 'chat.completion.chunk' as const, created: completion.created, model: completion.model };
  const out: ChatCompletionChunk[] = [];
  const one = (choice: ChatCompletionChunkChoice): ChatCompletionChunk => ({ ...base, choices: [choice] });
  for (const c of completion.choices) {
    const m = c.message;
    out.push(one({ index: c.index, delta: { role: 'assistant', content: m.tool_calls ? null : '' }, logprobs: null, finish_reason: null }));
    if (typeof m.content === 'string' && m.content.length > 0) out.push(one({ index: c.index, delta: { content: m.content }, logprobs: null, finish_reason: null }));
    for (const [i, call] of (m.tool_calls ?? []).entries()) {
      out.push(
        one({
          index: c.index,
          delta: { tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] },
          logprobs: null,
          finish_reason: null,
        }),
      );
    }
    out.push(one({ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish_reason }));
  }
  return out;
}
