import type { ChatCompletion, ChatCompletionChoice, ChatCompletionChunk, ChatToolCall, FinishReason, OpenAiUsage } from '../../kernel/wire/openai.js';

interface ToolCallParts {
  id: string;
  name: string;
  args: string[];
}

interface ChoiceParts {
  content: string[];
  sawContent: boolean;
  reasoning: string[];
  refusal: string[] | undefined;
  tools: Map<number, ToolCallParts>;
  logprobs: { content: unknown[]; refusal: unknown[] } | undefined;
  finish: FinishReason | null;
}

/**
 * Builds the completion a stream delivered, chunk by chunk (a streamed miss is stored as the
 * non-stream answer it equals): content, reasoning and refusal text, tool calls by index (id and name
 * from their deltas, arguments concatenated), logprobs, finish reasons, usage, and the id, model,
 * created and fingerprint of the stream. Pieces are collected in arrays and joined once at the end.
 */
export function createCompletionAssembler() {
  let head: Pick<ChatCompletion, 'id' | 'created' | 'model'> | undefined;
  let fingerprint: string | null | undefined;
  let usage: OpenAiUsage | undefined;
  const choices = new Map<number, ChoiceParts>();

  const choiceAt = (index: number): ChoiceParts => {
    let c = choices.get(index);
    if (!c) {
      c = { content: [], sawContent: false, reasoning: [], refusal: undefined, tools: new Map(), logprobs: undefined, finish: null };
      choices.set(index, c);
    }
    return c;
  };

  return {
    add(chunk: ChatCompletionChunk): void {
      head ??= { id: chunk.id, created: chunk.created, model: chunk.model };
      if (chunk.system_fingerprint !== undefined) fingerprint = chunk.system_fingerprint;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        const c = choiceAt(choice.index);
        const d = choice.delta;
        if (d) {
          if (typeof d.content === 'string') {
            c.sawContent = true;
            if (d.content.length > 0) c.content.push(d.content);
          }
          if (typeof d.reasoning_content === 'string' && d.reasoning_content.length > 0) c.reasoning.push(d.reasoning_content);
          if (typeof d.refusal === 'string') {
            c.refusal ??= [];
            c.refusal.push(d.refusal);
          }
          for (const call of d.tool_calls ?? []) {
            let t = c.tools.get(call.index);
            if (!t) {
              t = { id: '', name: '', args: [] };
              c.tools.set(call.index, t);
            }
            if (call.id) t.id = call.id;
            if (call.function?.name) t.name += call.function.name;
            if (call.function?.arguments) t.args.push(call.function.arguments);
          }
        }
        const lp = choice.logprobs as { content?: unknown[] | null; refusal?: unknown[] | null } | null | undefined;
        if (lp && (Array.isArray(lp.content) || Array.isArray(lp.refusal))) {
          c.logprobs ??= { content: [], refusal: [] };
          if (Array.isArray(lp.content)) c.logprobs.content.push(...lp.content);
          if (Array.isArray(lp.refusal)) c.logprobs.refusal.push(...lp.refusal);
        }
        if (choice.finish_reason) c.finish = choice.finish_reason;
      }
    },

    /** The completion so far (undefined before the first chunk). */
    completion(): ChatCompletion | undefined {
      if (!head) return undefined;
      const out: ChatCompletionChoice[] = [...choices.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, c]) => {
          const toolCalls: ChatToolCall[] = [...c.tools.entries()]
            .sort(([a], [b]) => a - b)
            .map(([, t]) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.args.join('') } }));
          const text = c.content.join('');
          const message: ChatCompletionChoice['message'] = {
            role: 'assistant',
            content: text.length > 0 || (c.sawContent && toolCalls.length === 0) ? text : null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            ...(c.refusal ? { refusal: c.refusal.join('') } : {}),
            ...(c.reasoning.length > 0 ? { reasoning_content: c.reasoning.join('') } : {}),
          };
          return {
            index,
            message,
            finish_reason: c.finish,
            ...(c.logprobs ? { logprobs: { content: c.logprobs.content, refusal: c.logprobs.refusal.length > 0 ? c.logprobs.refusal : null } } : {}),
          };
        });
      return {
        ...head,
        object: 'chat.completion',
        ...(fingerprint !== undefined ? { system_fingerprint: fingerprint } : {}),
        choices: out,
        ...(usage ? { usage } : {}),
      };
    },
  };
}
