import type { ChatCompletion, ChatCompletionChunk, OpenAiUsage } from '../../kernel/wire/openai.js';

/**
 * Remembers what a stream delivered to the client (text and tool-call arguments) so that a stream
 * cut short can still be metered by counting the delivered tokens, and whether any token came yet.
 */
export function createChunkAccumulator() {
  let delivered = '';
  let usage: OpenAiUsage | undefined;
  let sawToken = false;
  return {
    /** Records a chunk; returns true if it carried the first token of the response. */
    add(chunk: ChatCompletionChunk): boolean {
      if (chunk.usage) usage = chunk.usage;
      let token = false;
      for (const choice of chunk.choices) {
        const d = choice.delta;
        if (!d) continue;
        if (typeof d.content === 'string' && d.content.length > 0) {
          delivered += d.content;
          token = true;
        }
        if (typeof d.reasoning_content === 'string' && d.reasoning_content.length > 0) {
          delivered += d.reasoning_content;
          token = true;
        }
        if (d.tool_calls) {
          for (const call of d.tool_calls) {
            if (call.function?.name) delivered += call.function.name;
            if (call.function?.arguments) delivered += call.function.arguments;
            token = true;
          }
        }
      }
      const first = token && !sawToken;
      if (token) sawToken = true;
      return first;
    },
    deliveredText: () => delivered,
    usage: () => usage,
  };
}

/** Text of a non-stream completion (content and tool-call arguments), for estimating usage. */
export function completionText(completion: ChatCompletion): string {
  let out = '';
  for (const c of completion.choices) {
    if (typeof c.message.content === 'string') out += c.message.content;
    for (const call of c.message.tool_calls ?? []) out += call.function.name + call.function.arguments;
  }
  return out;
}
