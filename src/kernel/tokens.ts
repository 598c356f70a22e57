import type { ChatMessage, ChatTool } from './wire/openai.js';

/**
 * Token counting with a real BPE tokenizer (o200k_base, the GPT-4o family's). Its rank tables cost
 * ~60 MB of memory, so it is loaded on first use: the data plane only needs it to estimate usage a
 * provider did not report (a cut stream, a client abort), the simulator for every answer.
 * User text may contain special-token strings such as "<|endoftext|>": they count as plain text.
 */
export interface Tokenizer {
  countText(text: string): number;
  encode(text: string): number[];
  decode(tokens: readonly number[]): string;
  /** Prompt tokens of a chat request, following OpenAI's counting of message framing. */
  countChatPrompt(messages: readonly ChatMessage[], tools?: readonly ChatTool[]): number;
}

const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
// OpenAI's documented accounting: ~3 tokens of framing per message, 3 to prime the reply.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/** Loads the tokenizer (the module system caches it: only the first call pays). */
export async function loadTokenizer(): Promise<Tokenizer> {
  const bpe = await import('gpt-tokenizer/encoding/o200k_base');
  const countText = (text: string) => (text.length === 0 ? 0 : bpe.countTokens(text, PLAIN_TEXT));
  return {
    countText,
    encode: (text) => bpe.encode(text, PLAIN_TEXT),
    decode: (tokens) => bpe.decode(tokens as number[]),
    countChatPrompt(messages, tools) {
      let total = REPLY_PRIMING;
      for (const m of messages) {
        total += PER_MESSAGE + countText(messageText(m.content));
        if (typeof m.name === 'string') total += 1 + countText(m.name);
        if (m.tool_calls) {
          for (const call of m.tool_calls) total += countText(call.function.name) + countText(call.function.arguments);
        }
      }
      if (tools && tools.length > 0) total += countText(JSON.stringify(tools));
      return total;
    },
  };
}

/** Text of a message's content, images and other non-text parts left out. */
export function messageText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') out += part.text;
  }
  return out;
}
