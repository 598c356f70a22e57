import { GatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatTool } from '../../kernel/wire/openai.js';
import type {
  AnthropicContentBlock,
  AnthropicImageBlock,
  AnthropicMessageParam,
  AnthropicRequest,
  AnthropicTextBlock,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
  CacheControl,
  ThinkingBlock,
} from './wire.js';

/**
 * Anthropic requires max_tokens; OpenAI does not. 4096 is what every current Claude model accepts
 * and is long enough for ordinary answers; a client that wants more sends max_tokens.
 */
export const DEFAULT_MAX_TOKENS = 4096;

const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const EFFORTS: Readonly<Record<string, string>> = { minimal: 'low', low: 'low', medium: 'medium', high: 'high' };

/** The same message shape as the data plane's validation: names the field the client must fix. */
function invalid(param: string, expected: string): GatewayError {
  return new GatewayError('GW_REQUEST_INVALID', `Invalid request: ${param} ${expected}.`, { param });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Anthropic tool_use ids must match ^[a-zA-Z0-9_-]+$; ids minted elsewhere are mapped the same way on both sides. */
function toolId(id: string): string {
  const clean = id.replace(/[^a-zA-Z0-9_-]/g, '_');
  return clean === '' ? 'toolu_' : clean;
}

function cacheControlOf(v: unknown): CacheControl | undefined {
  return isRecord(v) && isRecord(v.cache_control) ? (v.cache_control as CacheControl) : undefined;
}

function text(value: string, from?: unknown): AnthropicTextBlock {
  const cc = cacheControlOf(from);
  return cc ? { type: 'text', text: value, cache_control: cc } : { type: 'text', text: value };
}

/** `data:image/png;base64,...` → base64 source; http(s) → url source (the API fetches it). */
function imageBlock(part: Record<string, unknown>, at: string): AnthropicImageBlock {
  const ref = part.image_url;
  const url = typeof ref === 'string' ? ref : isRecord(ref) && typeof ref.url === 'string' ? ref.url : undefined;
  if (url === undefined) throw invalid(`${at}.image_url.url`, 'must be a string');
  const cc = cacheControlOf(part);
  const withCc = (b: AnthropicImageBlock): AnthropicImageBlock => (cc ? { ...b, cache_control: cc } : b);
  if (url.startsWith('data:')) {
    const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (!m) throw invalid(`${at}.image_url.url`, 'must be a base64 data URL (data:image/png;base64,...) or an http(s) URL');
    const mediaType = m[1]!.toLowerCase();
    if (!IMAGE_TYPES.has(mediaType)) throw invalid(`${at}.image_url.url`, `has media type ${mediaType}; Anthropic accepts image/jpeg, image/png, image/gif and image/webp`);
    return withCc({ type: 'image', source: { type: 'base64', media_type: mediaType, data: m[2]! } });
  }
  if (/^https?:\/\//i.test(url)) return withCc({ type: 'image', source: { type: 'url', url } });
  throw invalid(`${at}.image_url.url`, 'must be a base64 data URL or an http(s) URL');
}

/** OpenAI `file` parts carrying a PDF as a data URL become Anthropic document blocks. */
function fileBlock(part: Record<string, unknown>, at: string): AnthropicContentBlock {
  const file = part.file;
  const data = isRecord(file) && typeof file.file_data === 'string' ? file.file_data : undefined;
  const m = data === undefined ? null : /^data:application\/pdf;base64,(.*)$/s.exec(data);
  if (!m) throw invalid(`${at}.file`, 'is supported only as file_data with a base64 PDF data URL (file_id cannot be resolved for an Anthropic upstream)');
  const cc = cacheControlOf(part);
  return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: m[1]! }, ...(cc ? { cache_control: cc } : {}) };
}

function userBlocks(content: ChatMessage['content'], at: string): AnthropicContentBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [text(content)];
  const out: AnthropicContentBlock[] = [];
  content.forEach((part: ChatContentPart, j) => {
    const p = part as Record<string, unknown>;
    const where = `${at}.content[${j}]`;
    if (p.type === 'text') {
      // Anthropic refuses empty text blocks; an empty part carries no meaning.
      if (typeof p.text === 'string' && p.text !== '') out.push(text(p.text, p));
    } else if (p.type === 'image_url') out.push(imageBlock(p, where));
    else if (p.type === 'file') out.push(fileBlock(p, where));
    else throw invalid(`${where}.type`, `"${String(p.type)}" is not supported by an Anthropic upstream (text, image_url and PDF file parts are)`);
  });
  return out;
}

function textOnly(content: ChatMessage['content'], at: string): AnthropicTextBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [text(content)];
  const out: AnthropicTextBlock[] = [];
  content.forEach((part, j) => {
    const p = part as Record<string, unknown>;
    if (p.type !== 'text' || typeof p.text !== 'string') throw invalid(`${at}.content[${j}].type`, 'must be "text" here (only text is allowed in this message)');
    if (p.text !== '') out.push(text(p.text, p));
  });
  return out;
}

function thinkingBlocks(m: ChatMessage, at: string): ThinkingBlock[] {
  const blocks = m.thinking_blocks;
  if (blocks === undefined || blocks === null) return [];
  if (!Array.isArray(blocks)) throw invalid(`${at}.thinking_blocks`, 'must be an array');
  return blocks.map((b, k) => {
    const where = `${at}.thinking_blocks[${k}]`;
    if (isRecord(b) && b.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string') {
      return { type: 'thinking', thinking: b.thinking, signature: b.signature };
    }
    if (isRecord(b) && b.type === 'redacted_thinking' && typeof b.data === 'string') return { type: 'redacted_thinking', data: b.data };
    throw invalid(where, 'must be {"type":"thinking","thinking","signature"} or {"type":"redacted_thinking","data"}');
  });
}

function assistantBlocks(m: ChatMessage, at: string): AnthropicContentBlock[] {
  // Thinking first and unchanged: Anthropic verifies the signatures of the turn's thinking blocks.
  const out: AnthropicContentBlock[] = [...thinkingBlocks(m, at), ...textOnly(m.content, at)];
  (m.tool_calls ?? []).forEach((call, k) => {
    const where = `${at}.tool_calls[${k}]`;
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== 'string' || typeof call.id !== 'string') {
      throw invalid(where, 'must be {"id","type":"function","function":{"name","arguments"}}');
    }
    const args = call.function.arguments;
    let input: unknown = {};
    if (typeof args === 'string' && args.trim() !== '') {
      try {
        input = JSON.parse(args);
      } catch {
        throw invalid(`${where}.function.arguments`, 'must be valid JSON (an Anthropic upstream needs the tool input as an object)');
      }
    }
    if (!isRecord(input)) throw invalid(`${where}.function.arguments`, 'must be a JSON object');
    out.push({ type: 'tool_use', id: toolId(call.id), name: call.function.name, input });
  });
  return out;
}

function toolResult(m: ChatMessage, at: string): AnthropicToolResultBlock {
  const blocks = userBlocks(m.content, at).filter((b): b is AnthropicTextBlock | AnthropicImageBlock => b.type === 'text' || b.type === 'image');
  const only = blocks.length === 1 ? blocks[0] : undefined;
  const result: AnthropicToolResultBlock = { type: 'tool_result', tool_use_id: toolId(String(m.tool_call_id)) };
  if (blocks.length > 0) result.content = only?.type === 'text' && !only.cache_control ? only.text : blocks;
  // Canonical extension set by the /v1/messages ingress for a native Anthropic upstream.
  if (m.is_error === true) result.is_error = true;
  return result;
}

/** Marks the last block of a message when the message itself carries cache_control. */
function applyMessageCache(blocks: AnthropicContentBlock[], m: ChatMessage): void {
  const cc = cacheControlOf(m);
  const last = blocks.at(-1);
  if (cc && last && last.type !== 'thinking' && last.type !== 'redacted_thinking') last.cache_control = cc;
}

function translateMessages(messages: ChatMessage[]): { system: AnthropicTextBlock[]; turns: AnthropicMessageParam[] } {
  const system: AnthropicTextBlock[] = [];
  const turns: AnthropicMessageParam[] = [];
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    let role: 'user' | 'assistant';
    let blocks: AnthropicContentBlock[];
    switch (m.role) {
      case 'system':
      case 'developer': {
        const sys = textOnly(m.content, at);
        applyMessageCache(sys, m);
        system.push(...sys);
        return;
      }
      case 'user':
        role = 'user';
        blocks = userBlocks(m.content, at);
        break;
      case 'assistant':
        role = 'assistant';
        blocks = assistantBlocks(m, at);
        break;
      case 'tool':
        role = 'user';
        blocks = [toolResult(m, at)];
        break;
      default:
        throw invalid(`${at}.role`, `"${m.role}" is not supported by an Anthropic upstream (use tool messages for function results)`);
    }
    applyMessageCache(blocks, m);
    if (blocks.length === 0) return; // an empty turn carries nothing and Anthropic refuses empty content
    const prev = turns.at(-1);
    // Roles must alternate: consecutive user (and tool) or assistant messages merge into one turn.
    if (prev && prev.role === role) (prev.content as AnthropicContentBlock[]).push(...blocks);
    else turns.push({ role, content: blocks });
  });
  // A lone text block is sent as a plain string, the form clients and logs read most easily.
  for (const t of turns) {
    const only = t.content.length === 1 ? (t.content as AnthropicContentBlock[])[0] : undefined;
    if (only?.type === 'text' && !only.cache_control) t.content = only.text;
  }
  if (turns.length === 0) throw invalid('messages', 'must contain at least one user or assistant message with content');
  return { system, turns };
}

function translateTools(tools: ChatTool[]): AnthropicTool[] {
  return tools.map((t) => {
    const fn = t.function;
    const tool: AnthropicTool = { name: fn.name, input_schema: fn.parameters ?? { type: 'object', properties: {} } };
    if (fn.description !== undefined) tool.description = fn.description;
    if (fn.strict === true) tool.strict = true;
    const cc = cacheControlOf(t);
    if (cc) tool.cache_control = cc;
    return tool;
  });
}

function translateToolChoice(request: ChatCompletionRequest): AnthropicToolChoice | undefined {
  const choice = request.tool_choice;
  const serial = request.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any', ...serial };
  if (isRecord(choice)) return { type: 'tool', name: choice.function.name, ...serial };
  if (choice === 'auto' || request.parallel_tool_calls === false) return { type: 'auto', ...serial };
  return undefined;
}

/** Fields with no Anthropic equivalent whose loss would change the answer: a 400 naming them. */
function rejectUnsupported(request: ChatCompletionRequest): void {
  if (typeof request.n === 'number' && request.n > 1) throw invalid('n', 'must be 1 for an Anthropic upstream (it returns one choice)');
  if (request.logprobs === true || (typeof request.top_logprobs === 'number' && request.top_logprobs > 0)) {
    throw invalid('logprobs', 'is not supported by an Anthropic upstream');
  }
  for (const f of ['presence_penalty', 'frequency_penalty'] as const) {
    const v = request[f];
    if (typeof v === 'number' && v !== 0) throw invalid(f, 'is not supported by an Anthropic upstream (send 0 or omit it)');
  }
  if (request.logit_bias !== undefined && request.logit_bias !== null && isRecord(request.logit_bias) && Object.keys(request.logit_bias).length > 0) {
    throw invalid('logit_bias', 'is not supported by an Anthropic upstream');
  }
  if (Array.isArray(request.modalities) && request.modalities.some((m) => m !== 'text')) throw invalid('modalities', 'may only contain "text" for an Anthropic upstream');
  if (request.audio !== undefined && request.audio !== null) throw invalid('audio', 'is not supported by an Anthropic upstream');
  if (request.temperature !== undefined && request.temperature !== null && request.temperature > 1) {
    throw invalid('temperature', 'must be between 0 and 1 for an Anthropic upstream');
  }
}

function thinkingBudget(thinking: unknown): number {
  return isRecord(thinking) && typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;
}

/**
 * OpenAI chat request → Anthropic Messages request. Fields without an equivalent are either
 * dropped when they do not change the answer (seed, store, metadata, service_tier, stream_options,
 * message names) or refused with GW_REQUEST_INVALID naming the field; docs/protocols.md lists them.
 */
export function toAnthropicRequest(request: ChatCompletionRequest, upstreamModel: string, stream: boolean): AnthropicRequest {
  rejectUnsupported(request);
  const { system, turns } = translateMessages(request.messages);
  const budget = thinkingBudget(request.thinking);
  const out: AnthropicRequest = {
    model: upstreamModel,
    // With extended thinking max_tokens must exceed the thinking budget.
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? Math.max(DEFAULT_MAX_TOKENS, budget + DEFAULT_MAX_TOKENS),
    messages: turns,
  };
  if (system.length > 0) out.system = system;
  const hasTools = Array.isArray(request.tools) && request.tools.length > 0;
  if (hasTools) {
    out.tools = translateTools(request.tools!);
    const choice = translateToolChoice(request);
    if (choice) out.tool_choice = choice;
  }
  const stop = request.stop;
  if (typeof stop === 'string') out.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) out.stop_sequences = stop;
  if (typeof request.temperature === 'number') out.temperature = request.temperature;
  if (typeof request.top_p === 'number') out.top_p = request.top_p;
  if (typeof request.top_k === 'number') out.top_k = request.top_k;
  if (typeof request.user === 'string' && request.user !== '') out.metadata = { user_id: request.user };
  if (isRecord(request.thinking)) out.thinking = request.thinking;
  const effort = request.reasoning_effort;
  if (typeof effort === 'string') {
    const mapped = EFFORTS[effort];
    if (!mapped) throw invalid('reasoning_effort', 'must be "minimal", "low", "medium" or "high"');
    out.output_config = { effort: mapped };
  }
  const format = request.response_format;
  if (format?.type === 'json_object') {
    throw invalid('response_format', 'type "json_object" has no Anthropic equivalent; use type "json_schema" with a schema (sent as output_config.format)');
  }
  if (format?.type === 'json_schema') {
    const schema = isRecord(format.json_schema) ? format.json_schema.schema : undefined;
    if (!isRecord(schema)) throw invalid('response_format.json_schema.schema', 'is required (a JSON Schema object) for an Anthropic upstream');
    out.output_config = { ...out.output_config, format: { type: 'json_schema', schema } };
  }
  if (stream) out.stream = true;
  return out;
}
