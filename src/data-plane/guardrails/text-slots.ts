import type { ChatCompletionRequest, ChatToolCall, EmbeddingRequest } from '../../kernel/wire/openai.js';

/** One piece of request text a guardrail reads and may rewrite (a message's content or one text part). */
export interface TextSlot {
  readonly role: string;
  text: string;
  /** Writes redacted text back into the request (what the upstream and the cache key see). */
  write(text: string): void;
}

/** A slot over one string of the request or answer; `set` writes the redacted text back to where it came from. */
export function textSlot(role: string, text: string, set: (text: string) => void): TextSlot {
  return {
    role,
    text,
    write(redacted) {
      this.text = redacted;
      set(redacted);
    },
  };
}

/** Every text of the chat request's messages (string contents and text parts), in order. */
export function chatTextSlots(request: ChatCompletionRequest): TextSlot[] {
  const slots: TextSlot[] = [];
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') {
      slots.push(
        textSlot(message.role, content, (text) => {
          message.content = text;
        }),
      );
    } else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type !== 'text' || typeof part.text !== 'string') continue;
        const p = part as { type: 'text'; text: string };
        slots.push(
          textSlot(message.role, p.text, (text) => {
            p.text = text;
          }),
        );
      }
    }
    toolCallSlots(message.tool_calls, message.role, slots);
  }
  return slots;
}

/**
 * The arguments of tool calls (an assistant turn in the conversation, or in an answer): model-written
 * text the next call sends upstream again, so PII and secrets in them are checked like content.
 */
export function toolCallSlots(calls: readonly ChatToolCall[] | undefined, role: string, slots: TextSlot[]): void {
  if (!Array.isArray(calls)) return;
  for (const call of calls) {
    const fn = call?.function as { arguments?: unknown } | undefined;
    if (!fn || typeof fn.arguments !== 'string') continue;
    const f = fn as { arguments: string };
    slots.push(
      textSlot(role, f.arguments, (text) => {
        f.arguments = text;
      }),
    );
  }
}

/** The string inputs of an embeddings request (token arrays carry no readable text). */
export function embeddingTextSlots(request: EmbeddingRequest): TextSlot[] {
  const input = request.input;
  if (typeof input === 'string') {
    return [
      textSlot('user', input, (text) => {
        request.input = text;
      }),
    ];
  }
  const slots: TextSlot[] = [];
  input.forEach((item, i) => {
    if (typeof item !== 'string') return;
    const list = input as string[];
    slots.push(
      textSlot('user', item, (text) => {
        list[i] = text;
      }),
    );
  });
  return slots;
}
