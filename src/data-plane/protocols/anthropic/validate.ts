import type { AnthropicCountTokensRequest, AnthropicMessagesRequest } from '../../../kernel/wire/anthropic.js';
import { invalid, isRecord, optionalBoolean, optionalInteger, optionalNumber, requiredModel } from '../../validation/fields.js';

/**
 * Edge validation of Anthropic Messages requests: the shape Anthropic's API enforces, each error
 * naming the field. Unknown top-level fields are refused rather than dropped: Gantry cannot know
 * whether losing them would change the answer (docs/protocols.md lists what is supported).
 */

/** Fields translated to chat, or (service_tier) dropped because they never change the answer. */
const MESSAGES_FIELDS = new Set([
  'model',
  'max_tokens',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'metadata',
  'stream',
  'thinking',
  'output_config',
  'cache_control',
  // Capacity, region, latency and billing selectors at Anthropic: they never change the answer.
  'service_tier',
  'speed',
  'inference_geo',
  'diagnostics',
  'user_profile_id',
  'workspace_id',
]);
const TOOL_CHOICES = new Set(['auto', 'any', 'tool', 'none']);
const BLOCK_TYPES = new Set(['text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking']);

function checkTextBlock(b: Record<string, unknown>, at: string): void {
  if (typeof b.text !== 'string') throw invalid(`${at}.text`, 'must be a string');
}

function checkImage(b: Record<string, unknown>, at: string): void {
  const s = b.source;
  if (!isRecord(s)) throw invalid(`${at}.source`, 'must be {"type":"base64","media_type","data"} or {"type":"url","url"}');
  if (s.type === 'base64') {
    if (typeof s.media_type !== 'string') throw invalid(`${at}.source.media_type`, 'must be a string such as "image/png"');
    if (typeof s.data !== 'string') throw invalid(`${at}.source.data`, 'must be a base64 string');
  } else if (s.type === 'url') {
    if (typeof s.url !== 'string') throw invalid(`${at}.source.url`, 'must be a string');
  } else throw invalid(`${at}.source.type`, 'must be "base64" or "url"');
}

function checkBlock(b: unknown, at: string, role: string): void {
  if (!isRecord(b) || typeof b.type !== 'string') throw invalid(at, 'must be a content block object with a type');
  if (!BLOCK_TYPES.has(b.type)) throw invalid(`${at}.type`, `"${b.type}" is not supported (text, image, document, tool_use, tool_result, thinking, redacted_thinking are)`);
  const onlyFor = (r: string) => {
    if (role !== r) throw invalid(`${at}.type`, `"${String(b.type)}" blocks are allowed only in ${r} messages`);
  };
  switch (b.type) {
    case 'text':
      checkTextBlock(b, at);
      return;
    case 'image':
      checkImage(b, at);
      return;
    case 'document':
      onlyFor('user');
      if (!isRecord(b.source)) throw invalid(`${at}.source`, 'must be an object');
      return;
    case 'tool_use':
      onlyFor('assistant');
      if (typeof b.id !== 'string' || b.id === '') throw invalid(`${at}.id`, 'must be a non-empty string');
      if (typeof b.name !== 'string' || b.name === '') throw invalid(`${at}.name`, 'must be a non-empty string');
      if (!isRecord(b.input)) throw invalid(`${at}.input`, 'must be a JSON object');
      return;
    case 'tool_result': {
      onlyFor('user');
      if (typeof b.tool_use_id !== 'string' || b.tool_use_id === '') throw invalid(`${at}.tool_use_id`, 'must be a non-empty string');
      optionalBoolean(b, 'is_error');
      const c = b.content;
      if (c === undefined || typeof c === 'string') return;
      if (!Array.isArray(c)) throw invalid(`${at}.content`, 'must be a string or an array of text and image blocks');
      c.forEach((part, k) => {
        const where = `${at}.content[${k}]`;
        if (!isRecord(part) || (part.type !== 'text' && part.type !== 'image')) throw invalid(where, 'must be a text or image block');
        if (part.type === 'text') checkTextBlock(part, where);
        else checkImage(part, where);
      });
      return;
    }
    case 'thinking':
      onlyFor('assistant');
      if (typeof b.thinking !== 'string') throw invalid(`${at}.thinking`, 'must be a string');
      if (typeof b.signature !== 'string') throw invalid(`${at}.signature`, 'must be a string');
      return;
    case 'redacted_thinking':
      onlyFor('assistant');
      if (typeof b.data !== 'string') throw invalid(`${at}.data`, 'must be a string');
  }
}

function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages', 'is required and must be a non-empty array');
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (!isRecord(m)) throw invalid(at, 'must be an object with role and content');
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') throw invalid(`${at}.role`, 'must be "user", "assistant" or "system"');
    const c = m.content;
    if (typeof c === 'string') return;
    if (m.role === 'system') {
      checkSystem(c, `${at}.content`);
      return;
    }
    if (!Array.isArray(c)) throw invalid(`${at}.content`, 'must be a string or an array of content blocks');
    c.forEach((b, j) => {
      checkBlock(b, `${at}.content[${j}]`, m.role as string);
    });
  });
}

function checkSystem(system: unknown, at = 'system'): void {
  if (system === undefined || typeof system === 'string') return;
  if (!Array.isArray(system)) throw invalid(at, 'must be a string or an array of text blocks');
  system.forEach((b, i) => {
    if (!isRecord(b) || b.type !== 'text') throw invalid(`${at}[${i}]`, 'must be a text block {"type":"text","text":...}');
    checkTextBlock(b, `${at}[${i}]`);
  });
}

function checkTools(tools: unknown): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) throw invalid('tools', 'must be an array');
  tools.forEach((t, i) => {
    const at = `tools[${i}]`;
    if (!isRecord(t)) throw invalid(at, 'must be an object {"name","description","input_schema"}');
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      throw invalid(`${at}.type`, `"${String(t.type)}" is an Anthropic-defined tool, which Gantry cannot translate; define it as a custom tool with an input_schema`);
    }
    if (typeof t.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.name)) throw invalid(`${at}.name`, 'must be 1-64 letters, digits, _ or -');
    if (t.description !== undefined && typeof t.description !== 'string') throw invalid(`${at}.description`, 'must be a string');
    if (!isRecord(t.input_schema)) throw invalid(`${at}.input_schema`, 'is required and must be a JSON Schema object');
  });
}

function checkToolChoice(choice: unknown): void {
  if (choice === undefined) return;
  if (!isRecord(choice) || typeof choice.type !== 'string' || !TOOL_CHOICES.has(choice.type)) {
    throw invalid('tool_choice', 'must be {"type":"auto"|"any"|"tool"|"none"}');
  }
  if (choice.type === 'tool' && typeof choice.name !== 'string') throw invalid('tool_choice.name', 'is required for type "tool"');
  optionalBoolean(choice, 'disable_parallel_tool_use');
}

const THINKING_TYPES = new Set(['enabled', 'disabled', 'adaptive', 'between_tools']);
const EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

function checkThinking(thinking: unknown): void {
  if (thinking === undefined || thinking === null) return;
  if (!isRecord(thinking) || typeof thinking.type !== 'string' || !THINKING_TYPES.has(thinking.type)) {
    throw invalid('thinking.type', 'must be "enabled" (with budget_tokens), "adaptive", "between_tools" or "disabled"');
  }
  if (thinking.type === 'enabled') optionalInteger(thinking, 'budget_tokens', 1);
}

function checkOutputConfig(config: unknown): void {
  if (config === undefined || config === null) return;
  if (!isRecord(config)) throw invalid('output_config', 'must be an object');
  for (const k of Object.keys(config)) if (k !== 'effort' && k !== 'format') throw invalid(`output_config.${k}`, 'is not supported (effort and format are)');
  const effort = config.effort;
  if (effort !== undefined && effort !== null && (typeof effort !== 'string' || !EFFORTS.has(effort))) {
    throw invalid('output_config.effort', 'must be "low", "medium", "high", "xhigh" or "max"');
  }
  const format = config.format;
  if (format !== undefined && format !== null) {
    if (!isRecord(format) || format.type !== 'json_schema') throw invalid('output_config.format.type', 'must be "json_schema"');
    if (!isRecord(format.schema)) throw invalid('output_config.format.schema', 'is required and must be a JSON Schema object');
  }
}

function checkUnknown(body: Record<string, unknown>, known: ReadonlySet<string>): void {
  for (const field of Object.keys(body)) {
    if (!known.has(field)) throw invalid(field, 'is not supported by Gantry\'s /v1/messages (see docs/protocols.md); remove it');
  }
}

function checkCommon(body: Record<string, unknown>): void {
  requiredModel(body);
  checkMessages(body.messages);
  checkSystem(body.system);
  checkTools(body.tools);
  checkToolChoice(body.tool_choice);
  checkThinking(body.thinking);
  checkOutputConfig(body.output_config);
  if (body.cache_control !== undefined && body.cache_control !== null && !isRecord(body.cache_control)) throw invalid('cache_control', 'must be an object');
}

export function validateMessagesRequest(body: unknown): AnthropicMessagesRequest {
  if (!isRecord(body)) throw invalid('body', 'must be a JSON object');
  checkUnknown(body, MESSAGES_FIELDS);
  requiredModel(body);
  if (body.max_tokens === undefined || body.max_tokens === null) throw invalid('max_tokens', 'is required (Anthropic Messages requests must set it)');
  optionalInteger(body, 'max_tokens', 1);
  checkCommon(body);
  optionalBoolean(body, 'stream');
  optionalNumber(body, 'temperature', 0, 1);
  optionalNumber(body, 'top_p', 0, 1);
  optionalInteger(body, 'top_k', 0);
  const stops = body.stop_sequences;
  if (stops !== undefined && (!Array.isArray(stops) || stops.some((s) => typeof s !== 'string' || s === ''))) {
    throw invalid('stop_sequences', 'must be an array of non-empty strings');
  }
  const meta = body.metadata;
  if (meta !== undefined) {
    if (!isRecord(meta)) throw invalid('metadata', 'must be an object');
    if (meta.user_id !== undefined && meta.user_id !== null && typeof meta.user_id !== 'string') throw invalid('metadata.user_id', 'must be a string');
    for (const k of Object.keys(meta)) if (k !== 'user_id') throw invalid(`metadata.${k}`, 'is not supported (only user_id is)');
  }
  return body as unknown as AnthropicMessagesRequest;
}

/**
 * count_tokens reads model, system, messages, tools, tool_choice and thinking. The other Messages
 * fields (max_tokens, sampling, stream, …) cannot change the count, so a client that sends its
 * whole request to count it is served rather than refused.
 */
export function validateCountTokensRequest(body: unknown): AnthropicCountTokensRequest {
  if (!isRecord(body)) throw invalid('body', 'must be a JSON object');
  checkUnknown(body, MESSAGES_FIELDS);
  checkCommon(body);
  return body as unknown as AnthropicCountTokensRequest;
}
