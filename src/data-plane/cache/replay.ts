import type { ChatCompletion, ChatCompletionChunk, ChatCompletionChunkChoice } from '../../kernel/wire/openai.js';

/**
 * A cached completion as the chunks of a stream: per choice a role chunk, its reasoning, content (with
 * its logprobs), refusal and tool calls, and its finish reason. The usage chunk is added by the chat
 * server (with the cost). createCompletionAssembler (assemble.ts) turns these chunks back into the
 * completion.
 */
export function replayChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = {
    id: completion.id,
    object: 'chat.completion.chunk' as const,
    created: completion.created,
    model: completion.model,
    ...(completion.system_fingerprint !== undefined ? { system_fingerprint: completion.system_fingerprint } : {}),
  };
  const out: ChatCompletionChunk[] = [];
  const one = (choice: ChatCompletionChunkChoice): ChatCompletionChunk => ({ ...base, choices: [choice] });
  for (const c of completion.choices) {
    const m = c.message;
    const piece = (delta: ChatCompletionChunkChoice['delta'], logprobs: unknown = null) => out.push(one({ index: c.index, delta, logprobs, finish_reason: null }));
    piece({ role: 'assistant', content: m.tool_calls ? null : '' });
    if (typeof m.reasoning_content === 'string' && m.reasoning_content.length > 0) piece({ reasoning_content: m.reasoning_content });
    const logprobs = (c.logprobs ?? null) as { content?: unknown; refusal?: unknown } | null;
    if (typeof m.content === 'string' && m.content.length > 0) piece({ content: m.content }, logprobs?.content ? { content: logprobs.content, refusal: null } : null);
    if (typeof m.refusal === 'string') piece({ refusal: m.refusal }, logprobs?.refusal ? { content: null, refusal: logprobs.refusal } : null);
    for (const [i, call] of (m.tool_calls ?? []).entries()) {
      piece({ tool_calls: [{ index: i, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } }] });
    }
    out.push(one({ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish_reason }));
  }
  return out;
}
