import { createHash } from 'node:crypto';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage } from '../../kernel/wire/openai.js';
import type { CompiledCache } from '../snapshot.js';
import { normalisedRequest } from './cache-key.js';

/** Longest prompt text compared semantically (about 2,000 tokens); a longer one is cached exactly only. */
export const MAX_SEMANTIC_CHARS = 8_000;

type SemanticSettings = NonNullable<CompiledCache['semantic']>;

/**
 * False-hit guard: a semantic hit answers a different prompt, which is only right when the answer does
 * not depend on the wording. By default only for requests without tools (a tool call answers one exact
 * request) and with temperature 0 (a sampled answer is one of many anyway); an absent temperature is
 * not 0 (providers default to 1). Never for several choices (n > 1).
 */
export function semanticEligible(settings: SemanticSettings, request: ChatCompletionRequest): boolean {
  if (typeof request.n === 'number' && request.n > 1) return false;
  const tools = (Array.isArray(request.tools) && request.tools.length > 0) || (Array.isArray(request.functions) && request.functions.length > 0);
  if (tools && !settings.allowTools) return false;
  if (request.temperature !== 0 && !settings.anyTemperature) return false;
  return true;
}

/** What of a request is compared by meaning, and what must be equal. */
export interface SemanticSplit {
  /** The last user message's text (what is embedded). */
  readonly text: string;
  /** Hash of everything else: system prompt, earlier turns, images, every answer-changing parameter. */
  readonly context: string;
}

const isText = (p: ChatContentPart): p is { type: 'text'; text: string } => p.type === 'text' && typeof p.text === 'string';

/**
 * Splits a request into the text compared by meaning (the last user message's text) and a hash of
 * the rest, which must match exactly. Embedding the whole conversation would let a long shared system
 * prompt or history dominate the vector and make different questions look alike; and two "describe
 * this image" requests with different images are different prompts. Undefined when there is nothing
 * to compare: the last message is not the user's, it has no text, or its text is longer than
 * MAX_SEMANTIC_CHARS (truncating would make prompts that differ past the cut identical).
 */
export function splitForSemantic(request: ChatCompletionRequest): SemanticSplit | undefined {
  const messages = request.messages;
  const last = messages[messages.length - 1];
  if (last?.role !== 'user') return undefined;
  let text: string;
  let rest: ChatMessage['content'];
  if (typeof last.content === 'string') {
    text = last.content;
    rest = '';
  } else if (Array.isArray(last.content)) {
    text = last.content
      .filter(isText)
      .map((p) => p.text)
      .join('\n');
    rest = last.content.filter((p) => !isText(p));
  } else return undefined;
  text = text.trim();
  if (text.length === 0 || text.length > MAX_SEMANTIC_CHARS) return undefined;
  const withoutText: ChatCompletionRequest = { ...request, messages: [...messages.slice(0, -1), { ...last, content: rest }] };
  const context = createHash('sha256').update(normalisedRequest(withoutText)).digest('hex').slice(0, 32);
  return { text, context };
}
