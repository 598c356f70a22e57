import { loadTokenizer } from '../../kernel/tokens.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { AdmitInput } from './limits.js';

/** Tokens assumed per image: above what OpenAI (high detail, 2048 px) and Anthropic (1.15 MP) bill. */
const IMAGE_TOKENS = 3_000;
/** Another tokenizer (Claude, Llama…) may count a few percent more than o200k. */
const MARGIN_PERCENT = 10;
const MARGIN_TOKENS = 32;

function images(request: ChatCompletionRequest): number | undefined {
  let n = 0;
  for (const m of request.messages) {
    if (!Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (part.type === 'image_url') n++;
      else if (part.type !== 'text') return undefined; // files, audio: no estimate better than bytes
    }
  }
  return n;
}

/** The sizes budget admission needs for a chat request (the prompt's bytes, a tokenizer count on demand). */
export function chatAdmitInput(request: ChatCompletionRequest): AdmitInput {
  const max = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  return {
    // Every token is at least one byte of the prompt's UTF-8 text (byte-level BPE): never too low.
    inputTokensBound: () => Buffer.byteLength(JSON.stringify(request.messages)) + (request.tools ? Buffer.byteLength(JSON.stringify(request.tools)) : 0),
    async exactInputTokens() {
      const n = images(request);
      if (n === undefined) return Number.MAX_SAFE_INTEGER;
      const counted = (await loadTokenizer()).countChatPrompt(request.messages, request.tools);
      return Math.ceil((counted * (100 + MARGIN_PERCENT)) / 100) + MARGIN_TOKENS + n * IMAGE_TOKENS;
    },
    requestedMaxOutput: typeof max === 'number' ? max : undefined,
    hasOutput: true,
  };
}

/** Sends the capped max_tokens upstream in the field the client used (max_tokens when it used none). */
export function applyOutputCap(request: ChatCompletionRequest, cap: number | undefined): void {
  if (cap === undefined) return;
  if (request.max_completion_tokens != null) request.max_completion_tokens = cap;
  else request.max_tokens = cap;
}
