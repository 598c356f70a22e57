import { loadTokenizer } from '../../kernel/tokens.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { AdmitInput } from './limits.js';

/** Tokens assumed per image: above what OpenAI (high detail, 2048 px) and Anthropic (1.15 MP) bill. */
const IMAGE_TOKENS = 3_000;
/**
 * Tokens a provider adds to the prompt when tools are given (Anthropic's tool-use system prompt is
 * ~350 tokens); the tools' own JSON is counted on top.
 */
const TOOLS_OVERHEAD_TOKENS = 600;
/** Another tokenizer (Claude, Llama…) may count a few percent more than o200k. */
const MARGIN_PERCENT = 10;
const MARGIN_TOKENS = 32;

/** Image parts, and whether any part is neither text nor image (files, audio: no estimate better than bytes). */
function parts(request: ChatCompletionRequest): { readonly images: number; readonly other: boolean } {
  let images = 0;
  let other = false;
  for (const m of request.messages) {
    if (!Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (part.type === 'image_url') images++;
      else if (part.type !== 'text') other = true;
    }
  }
  return { images, other };
}

/** Bytes of legacy function definitions and structured-output schemas: the provider puts them in the prompt too. */
function schemaBytes(request: ChatCompletionRequest): number {
  let n = 0;
  if (request.functions !== undefined) n += Buffer.byteLength(JSON.stringify(request.functions));
  if (request.response_format !== undefined) n += Buffer.byteLength(JSON.stringify(request.response_format));
  return n;
}

/** The number of completions the request asks for (OpenAI `n`): each one is billed for its output. */
export function choicesOf(request: ChatCompletionRequest): number {
  return typeof request.n === 'number' && request.n > 1 ? request.n : 1;
}

/**
 * The client's output limit. When it sends both max_tokens and max_completion_tokens, upstreams
 * disagree on which one wins: the larger one is what the reservation must cover.
 */
function requestedMax(request: ChatCompletionRequest): number | undefined {
  const a = typeof request.max_completion_tokens === 'number' ? request.max_completion_tokens : undefined;
  const b = typeof request.max_tokens === 'number' ? request.max_tokens : undefined;
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/** The sizes budget admission needs for a chat request (the prompt's bytes, a tokenizer count on demand). */
export function chatAdmitInput(request: ChatCompletionRequest): AdmitInput {
  const toolsOverhead = request.tools && request.tools.length > 0 ? TOOLS_OVERHEAD_TOKENS : 0;
  return {
    // Every token of text is at least one byte of the prompt's UTF-8 text (byte-level BPE); an image
    // is a short URL but many tokens, so it is counted at its own bound.
    inputTokensBound: () =>
      Buffer.byteLength(JSON.stringify(request.messages)) +
      (request.tools ? Buffer.byteLength(JSON.stringify(request.tools)) : 0) +
      schemaBytes(request) +
      toolsOverhead +
      parts(request).images * IMAGE_TOKENS,
    async exactInputTokens() {
      const { images, other } = parts(request);
      if (other) return Number.MAX_SAFE_INTEGER;
      const counted = (await loadTokenizer()).countChatPrompt(request.messages, request.tools);
      return Math.ceil((counted * (100 + MARGIN_PERCENT)) / 100) + MARGIN_TOKENS + toolsOverhead + schemaBytes(request) + images * IMAGE_TOKENS;
    },
    requestedMaxOutput: requestedMax(request),
    choices: choicesOf(request),
    hasOutput: true,
  };
}

/** OpenAI's reasoning models refuse max_tokens and take max_completion_tokens (which also bounds reasoning tokens). */
const COMPLETION_TOKENS_ONLY = /^(o\d|gpt-5)/;

/**
 * Sends the capped output limit (per choice) upstream in every field the client used, so no upstream
 * reads an uncapped one. When the client used none: max_completion_tokens for OpenAI reasoning
 * models (they refuse max_tokens), max_tokens for every other model (what every OpenAI-compatible
 * server reads).
 */
export function applyOutputCap(request: ChatCompletionRequest, cap: number | undefined, upstreamModel: string): void {
  if (cap === undefined) return;
  const completion = request.max_completion_tokens != null;
  const plain = request.max_tokens != null;
  if (completion) request.max_completion_tokens = cap;
  if (plain) request.max_tokens = cap;
  if (completion || plain) return;
  if (COMPLETION_TOKENS_ONLY.test(upstreamModel)) request.max_completion_tokens = cap;
  else request.max_tokens = cap;
}
