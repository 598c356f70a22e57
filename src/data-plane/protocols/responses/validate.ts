import type { ResponsesRequest } from '../../../kernel/wire/responses.js';
import { invalid, isRecord, optionalBoolean, optionalInteger, optionalNumber, requiredModel } from '../../validation/fields.js';

const ROLES = new Set(['user', 'assistant', 'system', 'developer']);
const TOOL_CHOICES = new Set(['none', 'auto', 'required']);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Built-in OpenAI tools run inside OpenAI's platform; Gantry cannot run them for another provider. */
const HOSTED_TOOL = 'is a built-in OpenAI tool that Gantry does not run; offer a function tool ({"type":"function","name":...}) and run it yourself';

/**
 * Fields whose meaning Gantry cannot keep when translating to chat: refused with a 400 naming the
 * field rather than silently dropped (docs/protocols.md lists them).
 */
const REFUSED: Record<string, string> = {
  background: 'is not supported: Gantry answers in the foreground (send stream: true for long answers)',
  conversation: 'is not supported: use previous_response_id to continue a conversation',
  prompt: 'is not supported: prompt templates live in the OpenAI platform',
  max_tool_calls: 'is not supported',
  top_logprobs: 'is not supported',
};

function checkPart(part: unknown, at: string, role: string): void {
  if (!isRecord(part) || typeof part.type !== 'string') throw invalid(at, 'must be an object with a type');
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      if (typeof part.text !== 'string') throw invalid(`${at}.text`, 'must be a string');
      if (part.type === 'output_text' && role !== 'assistant') throw invalid(`${at}.type`, 'output_text is only allowed in assistant messages');
      return;
    case 'refusal':
      if (typeof part.refusal !== 'string') throw invalid(`${at}.refusal`, 'must be a string');
      return;
    case 'input_image':
      if (typeof part.image_url !== 'string' || part.image_url.length === 0) {
        throw invalid(`${at}.image_url`, 'must be an http(s) or data: URL (file_id images live in the OpenAI platform and are not supported)');
      }
      return;
    case 'input_file':
      if (typeof part.file_data !== 'string') {
        throw invalid(`${at}.file_data`, 'is required: send the file inline as a data: URL (file_id and file_url are not supported)');
      }
      return;
    default:
      throw invalid(`${at}.type`, `"${part.type}" is not supported; use input_text, input_image or input_file`);
  }
}

function checkOutputParts(output: unknown, at: string): void {
  if (typeof output === 'string') return;
  if (!Array.isArray(output)) throw invalid(at, 'must be a string or an array of input_text / input_image / input_file parts');
  output.forEach((p, j) => {
    checkPart(p, `${at}[${j}]`, 'user');
    if ((p as { type: string }).type === 'output_text' || (p as { type: string }).type === 'refusal') throw invalid(`${at}[${j}].type`, 'must be input_text, input_image or input_file');
  });
}

function checkItem(item: unknown, i: number): void {
  const at = `input[${i}]`;
  if (!isRecord(item)) throw invalid(at, 'must be an object (a message, function_call or function_call_output item)');
  const type = item.type ?? 'message';
  if (type === 'message') {
    if (typeof item.role !== 'string' || !ROLES.has(item.role)) throw invalid(`${at}.role`, 'must be one of user, assistant, system, developer');
    const c = item.content;
    if (typeof c === 'string') return;
    if (!Array.isArray(c)) throw invalid(`${at}.content`, 'must be a string or an array of content parts');
    c.forEach((part, j) => {
      checkPart(part, `${at}.content[${j}]`, item.role as string);
    });
    return;
  }
  if (type === 'function_call') {
    if (typeof item.call_id !== 'string' || item.call_id.length === 0) throw invalid(`${at}.call_id`, 'is required');
    if (typeof item.name !== 'string' || item.name.length === 0) throw invalid(`${at}.name`, 'is required');
    if (typeof item.arguments !== 'string') throw invalid(`${at}.arguments`, 'must be a string (JSON text)');
    return;
  }
  if (type === 'function_call_output') {
    if (typeof item.call_id !== 'string' || item.call_id.length === 0) throw invalid(`${at}.call_id`, 'is required');
    checkOutputParts(item.output, `${at}.output`);
    return;
  }
  throw invalid(
    `${at}.type`,
    `"${String(type)}" is not supported; Gantry accepts message, function_call and function_call_output items (use previous_response_id instead of item_reference)`,
  );
}

function checkTools(tools: unknown): void {
  if (tools === undefined || tools === null) return;
  if (!Array.isArray(tools)) throw invalid('tools', 'must be an array');
  tools.forEach((t, i) => {
    if (!isRecord(t) || typeof t.type !== 'string') throw invalid(`tools[${i}]`, 'must be {"type":"function","name":...}');
    if (t.type !== 'function') throw invalid(`tools[${i}].type`, `"${t.type}" ${HOSTED_TOOL}`);
    if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name)) {
      throw invalid(`tools[${i}].name`, 'must be 1-64 letters, digits, _ or - (Responses function tools are flat: {"type":"function","name":...})');
    }
    if (t.parameters !== undefined && t.parameters !== null && !isRecord(t.parameters)) throw invalid(`tools[${i}].parameters`, 'must be a JSON Schema object');
    optionalBoolean(t, 'strict');
  });
}

function checkToolChoice(choice: unknown): void {
  if (choice === undefined || choice === null) return;
  if (typeof choice === 'string' && TOOL_CHOICES.has(choice)) return;
  if (isRecord(choice) && choice.type === 'function' && typeof choice.name === 'string') return;
  if (isRecord(choice) && typeof choice.type === 'string' && choice.type !== 'function') {
    throw invalid('tool_choice.type', `"${choice.type}" is not supported; use "none", "auto", "required" or {"type":"function","name":...}`);
  }
  throw invalid('tool_choice', 'must be "none", "auto", "required" or {"type":"function","name":...}');
}

function checkText(text: unknown): void {
  if (text === undefined || text === null) return;
  if (!isRecord(text)) throw invalid('text', 'must be an object');
  const f = text.format;
  if (f === undefined || f === null) return;
  if (!isRecord(f) || (f.type !== 'text' && f.type !== 'json_object' && f.type !== 'json_schema')) {
    throw invalid('text.format.type', 'must be "text", "json_object" or "json_schema"');
  }
  if (f.type === 'json_schema') {
    if (typeof f.name !== 'string' || f.name.length === 0) throw invalid('text.format.name', 'is required for json_schema');
    if (!isRecord(f.schema)) throw invalid('text.format.schema', 'is required for json_schema and must be a JSON Schema object');
  }
}

function checkMetadata(metadata: unknown): void {
  if (metadata === undefined || metadata === null) return;
  if (!isRecord(metadata)) throw invalid('metadata', 'must be an object of string values');
  const entries = Object.entries(metadata);
  if (entries.length > 16) throw invalid('metadata', 'may have at most 16 keys');
  for (const [k, v] of entries) {
    if (k.length > 64) throw invalid(`metadata.${k}`, 'key must be at most 64 characters');
    if (typeof v !== 'string' || v.length > 512) throw invalid(`metadata.${k}`, 'must be a string of at most 512 characters');
  }
}

function checkReasoning(reasoning: unknown): void {
  if (reasoning === undefined || reasoning === null) return;
  if (!isRecord(reasoning)) throw invalid('reasoning', 'must be an object');
  const effort = reasoning.effort;
  if (effort !== undefined && effort !== null && typeof effort !== 'string') throw invalid('reasoning.effort', 'must be a string');
}

/** Validates a /v1/responses body at the edge; fields Gantry cannot honour are refused by name. */
export function validateResponsesRequest(body: unknown): ResponsesRequest {
  if (!isRecord(body)) throw invalid('body', 'must be a JSON object');
  requiredModel(body);
  for (const [field, why] of Object.entries(REFUSED)) {
    const v = body[field];
    if (v !== undefined && v !== null && v !== false && !(field === 'top_logprobs' && v === 0)) throw invalid(field, why);
  }
  const include = body.include;
  if (include !== undefined && include !== null && (!Array.isArray(include) || include.length > 0)) {
    throw invalid('include', 'is not supported (Gantry returns no extra output data)');
  }
  const input = body.input;
  if (Array.isArray(input)) input.forEach(checkItem);
  else if (input !== undefined && input !== null && typeof input !== 'string') throw invalid('input', 'must be a string or an array of input items');
  const hasInput = typeof input === 'string' || Array.isArray(input) ? input.length > 0 : false;
  if (!hasInput && typeof body.previous_response_id !== 'string') throw invalid('input', 'is required (a non-empty string or array of input items)');
  if (body.instructions !== undefined && body.instructions !== null && typeof body.instructions !== 'string') throw invalid('instructions', 'must be a string');
  if (body.previous_response_id !== undefined && body.previous_response_id !== null && typeof body.previous_response_id !== 'string') {
    throw invalid('previous_response_id', 'must be a string');
  }
  optionalBoolean(body, 'stream');
  optionalBoolean(body, 'store');
  optionalBoolean(body, 'parallel_tool_calls');
  optionalInteger(body, 'max_output_tokens', 1);
  optionalNumber(body, 'temperature', 0, 2);
  optionalNumber(body, 'top_p', 0, 1);
  if (body.user !== undefined && body.user !== null && typeof body.user !== 'string') throw invalid('user', 'must be a string');
  if (body.truncation !== undefined && body.truncation !== null && body.truncation !== 'auto' && body.truncation !== 'disabled') {
    throw invalid('truncation', 'must be "auto" or "disabled"');
  }
  checkTools(body.tools);
  checkToolChoice(body.tool_choice);
  checkText(body.text);
  checkMetadata(body.metadata);
  checkReasoning(body.reasoning);
  return body as unknown as ResponsesRequest;
}
