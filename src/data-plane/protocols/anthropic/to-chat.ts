import type {
  AnthropicContentBlockParam,
  AnthropicImageSource,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicTextBlockParam,
  AnthropicToolChoice,
  AnthropicToolParam,
  AnthropicToolResultBlockParam,
} from '../../../kernel/wire/anthropic.js';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatTool, ChatToolCall, ChatToolChoice } from '../../../kernel/wire/openai.js';
import { invalid } from '../../validation/fields.js';

export interface ToChatOptions {
  /**
   * The upstream is Anthropic itself (Provider type `anthropic`): Anthropic-only extensions that
   * provider reads (`cache_control`, `thinking`, `thinking_blocks` on assistant turns) are kept.
   * Other upstreams never see them: strict OpenAI-style servers refuse unknown fields, and they
   * are hints (caching) or the model's earlier private reasoning, not part of what is asked.
   */
  readonly native: boolean;
}

/** Prefix that carries `is_error: true` to an upstream whose tool messages have no such flag. */
export const TOOL_ERROR_PREFIX = 'Error: ';

function withCache<T extends Record<string, unknown>>(part: T, block: { cache_control?: unknown }, native: boolean): T {
  return native && block.cache_control ? { ...part, cache_control: block.cache_control } : part;
}

function imageUrl(source: AnthropicImageSource): string {
  return source.type === 'base64' ? `data:${source.media_type};base64,${source.data}` : source.url;
}

function documentPart(block: Extract<AnthropicContentBlockParam, { type: 'document' }>, at: string): ChatContentPart {
  const s = block.source;
  if (s.type === 'base64' && s.media_type === 'application/pdf') {
    return { type: 'file', file: { file_data: `data:application/pdf;base64,${s.data}`, ...(block.title ? { filename: block.title } : {}) } };
  }
  if (s.type === 'text' && typeof s.data === 'string') return { type: 'text', text: s.data };
  throw invalid(`${at}.source`, 'is supported only as a base64 PDF or plain text document (URL documents cannot be translated)');
}

/** A user block that becomes an OpenAI content part (tool results are handled apart). */
function userPart(block: AnthropicContentBlockParam, at: string, native: boolean): ChatContentPart {
  switch (block.type) {
    case 'text':
      return withCache({ type: 'text', text: block.text }, block, native);
    case 'image':
      return withCache({ type: 'image_url', image_url: { url: imageUrl(block.source) } }, block, native);
    case 'document':
      return withCache(documentPart(block, at), block, native);
    default:
      throw invalid(`${at}.type`, `"${block.type}" is not allowed in a user message`);
  }
}

/** One string when the parts are plain text (the form every OpenAI-style server accepts), else parts. */
function contentOf(parts: ChatContentPart[]): string | ChatContentPart[] {
  const plain = parts as Array<Record<string, unknown>>;
  if (plain.every((p) => p.type === 'text' && p.cache_control === undefined)) return plain.map((p) => p.text as string).join('\n\n');
  return parts;
}

function toolMessage(block: AnthropicToolResultBlockParam, at: string, native: boolean): ChatMessage {
  const c = block.content;
  let parts: ChatContentPart[];
  if (c === undefined) parts = [];
  else if (typeof c === 'string') parts = [{ type: 'text', text: c }];
  else parts = c.map((p, k) => userPart(p, `${at}.content[${k}]`, native));
  // An Anthropic upstream gets the flag back (the `is_error` extension below); no other upstream has
  // a failure flag on tool results, so say it in the text the model reads.
  if (block.is_error === true && !native) {
    const first = parts[0];
    if (first?.type === 'text') parts[0] = { ...first, text: TOOL_ERROR_PREFIX + (first.text as string) };
    else parts.unshift({ type: 'text', text: TOOL_ERROR_PREFIX.trim() });
  }
  const msg: ChatMessage = { role: 'tool', tool_call_id: block.tool_use_id, content: parts.length === 0 ? '' : contentOf(parts) };
  if (native && block.cache_control) msg.cache_control = block.cache_control;
  if (native && block.is_error === true) msg.is_error = true;
  return msg;
}

function userMessages(m: AnthropicMessageParam, at: string, native: boolean): ChatMessage[] {
  if (typeof m.content === 'string') return [{ role: 'user', content: m.content }];
  // Tool results answer the previous assistant turn: OpenAI wants them as tool messages right
  // after it, so they come first (in order), then whatever else the user said in the same turn.
  const tools: ChatMessage[] = [];
  const parts: ChatContentPart[] = [];
  m.content.forEach((block, j) => {
    const where = `${at}.content[${j}]`;
    if (block.type === 'tool_result') tools.push(toolMessage(block, where, native));
    else parts.push(userPart(block, where, native));
  });
  if (parts.length > 0 || tools.length === 0) tools.push({ role: 'user', content: contentOf(parts) });
  return tools;
}

function assistantMessage(m: AnthropicMessageParam, at: string, native: boolean): ChatMessage {
  if (typeof m.content === 'string') return { role: 'assistant', content: m.content };
  const texts: ChatContentPart[] = [];
  const calls: ChatToolCall[] = [];
  const thinking: Array<Record<string, unknown>> = [];
  m.content.forEach((block, j) => {
    const where = `${at}.content[${j}]`;
    switch (block.type) {
      case 'text':
        texts.push(withCache({ type: 'text', text: block.text }, block, native));
        break;
      case 'tool_use':
        calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
        break;
      case 'thinking':
        thinking.push({ type: 'thinking', thinking: block.thinking, signature: block.signature });
        break;
      case 'redacted_thinking':
        thinking.push({ type: 'redacted_thinking', data: block.data });
        break;
      default:
        throw invalid(`${where}.type`, `"${block.type}" is not allowed in an assistant message`);
    }
  });
  const msg: ChatMessage = { role: 'assistant', content: texts.length === 0 ? (calls.length > 0 ? null : '') : contentOf(texts) };
  if (calls.length > 0) msg.tool_calls = calls;
  if (native && thinking.length > 0) msg.thinking_blocks = thinking;
  return msg;
}

function systemMessage(system: AnthropicMessagesRequest['system'], native: boolean): ChatMessage | undefined {
  if (system === undefined) return undefined;
  if (typeof system === 'string') return system === '' ? undefined : { role: 'system', content: system };
  if (system.length === 0) return undefined;
  const parts = system.map((b: AnthropicTextBlockParam) => withCache({ type: 'text', text: b.text }, b, native) as ChatContentPart);
  return { role: 'system', content: contentOf(parts) };
}

export function translateMessages(request: Pick<AnthropicMessagesRequest, 'system' | 'messages'>, native: boolean): ChatMessage[] {
  const out: ChatMessage[] = [];
  const sys = systemMessage(request.system, native);
  if (sys) out.push(sys);
  request.messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === 'user') out.push(...userMessages(m, at, native));
    else if (m.role === 'system') {
      const sys = systemMessage(m.content as AnthropicMessagesRequest['system'], native);
      if (sys) out.push(sys);
    } else out.push(assistantMessage(m, at, native));
  });
  return out;
}

export function translateTools(tools: readonly AnthropicToolParam[], native: boolean): ChatTool[] {
  return tools.map((t) => {
    const fn: ChatTool['function'] = { name: t.name, parameters: t.input_schema };
    if (t.description !== undefined) fn.description = t.description;
    if (t.strict === true) fn.strict = true;
    return withCache({ type: 'function', function: fn }, t, native) as ChatTool;
  });
}

function translateToolChoice(choice: AnthropicToolChoice): ChatToolChoice {
  switch (choice.type) {
    case 'any':
      return 'required';
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    case 'none':
      return 'none';
    default:
      return 'auto';
  }
}

/**
 * Anthropic Messages request (validated) → the internal OpenAI chat request. docs/protocols.md has
 * the table; every field is translated, kept as an extension the upstream may use, or was refused
 * by validation.
 */
export function toChatRequest(request: AnthropicMessagesRequest, { native }: ToChatOptions): ChatCompletionRequest {
  const messages = translateMessages(request, native);
  const last = request.messages.at(-1);
  if (!native && last?.role === 'assistant') {
    // Anthropic continues a final assistant message (prefill); an OpenAI-style upstream would answer
    // afresh instead, which changes the result.
    throw invalid(`messages[${request.messages.length - 1}].role`, 'may be "assistant" (prefill) only when the model is served by an Anthropic upstream; end with a user message');
  }
  const out: ChatCompletionRequest = { model: request.model, messages, max_tokens: request.max_tokens };
  if (request.tools && request.tools.length > 0) {
    out.tools = translateTools(request.tools, native);
    if (request.tool_choice) out.tool_choice = translateToolChoice(request.tool_choice);
    if (request.tool_choice && 'disable_parallel_tool_use' in request.tool_choice && request.tool_choice.disable_parallel_tool_use === true) {
      out.parallel_tool_calls = false;
    }
  } else if (request.tool_choice?.type === 'any' || request.tool_choice?.type === 'tool') {
    throw invalid('tool_choice', `"${request.tool_choice.type}" needs tools`);
  }
  if (request.stop_sequences && request.stop_sequences.length > 0) out.stop = request.stop_sequences;
  if (typeof request.temperature === 'number') out.temperature = request.temperature;
  if (typeof request.top_p === 'number') out.top_p = request.top_p;
  // top_k has no OpenAI field, but vLLM, Ollama, llama.cpp and the Anthropic provider read it as an
  // extension; an upstream that refuses it says so (a 400 the client sees), never a silent change.
  if (typeof request.top_k === 'number') out.top_k = request.top_k;
  const user = request.metadata?.user_id;
  if (typeof user === 'string' && user !== '') out.user = user;
  if (native && request.thinking) out.thinking = request.thinking;
  const config = request.output_config;
  // Effort and structured output have OpenAI equivalents (the Anthropic provider maps them back).
  if (typeof config?.effort === 'string') out.reasoning_effort = config.effort;
  if (config?.format) out.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: config.format.schema, strict: true } };
  const lastMessage = messages.at(-1);
  // Automatic caching = a breakpoint at the end of the prompt, which is what the Anthropic provider
  // makes of cache_control on the last message. Other upstreams cache on their own or not at all.
  if (native && request.cache_control && lastMessage) lastMessage.cache_control = request.cache_control;
  if (request.stream === true) out.stream = true;
  return out;
}
