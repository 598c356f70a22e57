import { countTokens, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage, ChatTool } from './wire/openai.js';

/**
 * Token counting with a real BPE tokenizer (o200k_base, the GPT-4o family's). Used where a provider
 * does not report usage (marked "estimated") and by the simulator. User text may contain special-token
 * strings such as "<|endoftext|>": they are counted as plain text, never rejected.
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTextTokens(text: string): number {
  if (text.length === 0) return 0;
  return countTokens(text, PLAIN_TEXT);
}

export function encodeText(text: string): number[] {
  return encode(text, PLAIN_TEXT);
}

export function decodeTokens(tokens: readonly number[]): string {
  return decode(tokens as number[]);
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

// OpenAI's documented accounting: ~3 tokens of framing per message, 3 to prime the reply.
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/** Prompt tokens of a chat request, following OpenAI's counting of message framing. */
export function countChatPromptTokens(messages: readonly ChatMessage[], tools?: readonly ChatTool[]): number {
  let total = REPLY_PRIMING;
  for (const m of messages) {
    total += PER_MESSAGE + countTextTokens(messageText(m.content));
    if (typeof m.name === 'string') total += 1 + countTextTokens(m.name);
    if (m.tool_calls) {
      for (const call of m.tool_calls) {
        total += countTextTokens(call.function.name) + countTextTokens(call.function.arguments);
      }
    }
  }
  if (tools && tools.length > 0) total += countTextTokens(JSON.stringify(tools));
  return total;
}
