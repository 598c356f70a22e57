import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { invalid, isRecord, optionalBoolean, optionalInteger, optionalNumber, requiredModel } from './fields.js';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool', 'function']);
const TOOL_CHOICES = new Set(['none', 'auto', 'required']);
const FORMATS = new Set(['text', 'json_object', 'json_schema']);

function checkMessage(m: unknown, i: number): void {
  const at = `messages[${i}]`;
  if (!isRecord(m)) throw invalid(at, 'must be an object with role and content');
  if (typeof m.role !== 'string' || !ROLES.has(m.role)) {
    throw invalid(`${at}.role`, 'must be one of system, developer, user, assistant, tool');
  }
  const c = m.content;
  if (typeof c === 'string') return;
  if (Array.isArray(c)) {
    c.forEach((part, j) => {
      if (!isRecord(part) || typeof part.type !== 'string') throw invalid(`${at}.content[${j}]`, 'must be an object with a type');
      if (part.type === 'text' && typeof part.text !== 'string') throw invalid(`${at}.content[${j}].text`, 'must be a string');
    });
    return;
  }
  if ((c === null || c === undefined) && m.role === 'assistant') {
    if (m.tool_calls !== undefined && !Array.isArray(m.tool_calls)) throw invalid(`${at}.tool_calls`, 'must be an array');
    return;
  }
  throw invalid(`${at}.content`, 'must be a string or an array of content parts');
  // tool messages need the id of the call they answer; checked below where role is known.
}

function checkTools(tools: unknown): void {
  if (tools === undefined || tools === null) return;
  if (!Array.isArray(tools)) throw invalid('tools', 'must be an array');
  tools.forEach((t, i) => {
    if (!isRecord(t) || t.type !== 'function' || !isRecord(t.function)) {
      throw invalid(`tools[${i}]`, 'must be {"type":"function","function":{"name":...}}');
    }
    if (typeof t.function.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.function.name)) {
      throw invalid(`tools[${i}].function.name`, 'must be 1-64 letters, digits, _ or -');
    }
    if (t.function.parameters !== undefined && !isRecord(t.function.parameters)) {
      throw invalid(`tools[${i}].function.parameters`, 'must be a JSON Schema object');
    }
  });
}

/** Validates a chat completions body at the edge; unknown fields pass through to the upstream. */
export function validateChatRequest(body: unknown): ChatCompletionRequest {
  if (!isRecord(body)) throw invalid('body', 'must be a JSON object');
  requiredModel(body);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalid('messages', 'is required and must be a non-empty array');
  messages.forEach(checkMessage);
  messages.forEach((m: Record<string, unknown>, i) => {
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') throw invalid(`messages[${i}].tool_call_id`, 'is required on tool messages');
  });
  optionalBoolean(body, 'stream');
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isRecord(body.stream_options)) throw invalid('stream_options', 'must be an object');
    optionalBoolean(body.stream_options, 'include_usage');
  }
  optionalInteger(body, 'max_tokens', 1);
  optionalInteger(body, 'max_completion_tokens', 1);
  optionalInteger(body, 'n', 1);
  optionalNumber(body, 'temperature', 0, 2);
  optionalNumber(body, 'top_p', 0, 1);
  checkTools(body.tools);
  const choice = body.tool_choice;
  if (choice !== undefined && choice !== null) {
    const ok =
      (typeof choice === 'string' && TOOL_CHOICES.has(choice)) ||
      (isRecord(choice) && choice.type === 'function' && isRecord(choice.function) && typeof choice.function.name === 'string');
    if (!ok) throw invalid('tool_choice', 'must be "none", "auto", "required" or {"type":"function","function":{"name":...}}');
  }
  const format = body.response_format;
  if (format !== undefined && format !== null) {
    if (!isRecord(format) || typeof format.type !== 'string' || !FORMATS.has(format.type)) {
      throw invalid('response_format.type', 'must be "text", "json_object" or "json_schema"');
    }
    if (format.type === 'json_schema' && !isRecord(format.json_schema)) throw invalid('response_format.json_schema', 'is required for type json_schema');
  }
  return body as unknown as ChatCompletionRequest;
}
