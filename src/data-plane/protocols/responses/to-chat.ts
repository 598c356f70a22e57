import type { ChatCompletionRequest, ChatContentPart, ChatMessage, ChatTool, ChatToolCall } from '../../../kernel/wire/openai.js';
import type { FunctionCallOutputItem, MessageItem, ResponsesContentPart, ResponsesInputItem, ResponsesRequest } from '../../../kernel/wire/responses.js';
import { invalid } from '../../validation/fields.js';

/** This request's own input as items: a string input is one user message. */
export function inputItems(request: ResponsesRequest): ResponsesInputItem[] {
  const input = request.input;
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input.length > 0 ? [{ role: 'user', content: input }] : [];
  return input;
}

function textOf(parts: readonly ResponsesContentPart[], at: string, role: string): string {
  let text = '';
  parts.forEach((p, j) => {
    if (p.type === 'input_text' || p.type === 'output_text') text += p.text;
    else if (p.type === 'refusal') text += p.refusal;
    else throw invalid(`${at}.content[${j}].type`, `"${p.type}" is not allowed in ${role} messages (text only)`);
  });
  return text;
}

function userPart(p: ResponsesContentPart, at: string): ChatContentPart {
  switch (p.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: p.text };
    case 'refusal':
      return { type: 'text', text: p.refusal };
    case 'input_image':
      return { type: 'image_url', image_url: { url: p.image_url ?? '', ...(p.detail ? { detail: p.detail } : {}) } };
    case 'input_file':
      return { type: 'file', file: { file_data: p.file_data, ...(p.filename ? { filename: p.filename } : {}) } };
    default:
      throw invalid(`${at}.type`, 'is not a supported content part');
  }
}

function messageOf(item: MessageItem, at: string): ChatMessage {
  const c = item.content;
  if (typeof c === 'string') return { role: item.role, content: c };
  // System, developer and assistant turns are text in every provider's chat shape.
  if (item.role !== 'user') return { role: item.role, content: textOf(c, at, item.role) };
  return { role: 'user', content: c.map((p, j) => userPart(p, `${at}.content[${j}]`)) };
}

function toolResultOf(item: FunctionCallOutputItem, at: string): ChatMessage {
  const out = item.output;
  if (typeof out === 'string') return { role: 'tool', tool_call_id: item.call_id, content: out };
  const parts = out.map((p, j) => userPart(p, `${at}.output[${j}]`));
  // All-text results are sent as one string: the form every chat upstream accepts for tool messages.
  const allText = parts.every((p) => p.type === 'text');
  return { role: 'tool', tool_call_id: item.call_id, content: allText ? parts.map((p) => (p as { text: string }).text).join('') : parts };
}

/**
 * Responses items → chat messages. Function calls join the assistant turn right before them (a text
 * answer followed by calls is one turn in chat); a function_call_output is a tool message.
 */
export function itemsToMessages(items: readonly ResponsesInputItem[], at = 'input'): ChatMessage[] {
  const out: ChatMessage[] = [];
  items.forEach((item, i) => {
    const where = `${at}[${i}]`;
    if (item.type === 'function_call') {
      const call: ChatToolCall = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      const last = out[out.length - 1];
      if (last?.role === 'assistant') last.tool_calls = [...(last.tool_calls ?? []), call];
      else out.push({ role: 'assistant', content: null, tool_calls: [call] });
      return;
    }
    if (item.type === 'function_call_output') {
      out.push(toolResultOf(item, where));
      return;
    }
    out.push(messageOf(item, where));
  });
  return out;
}

function toolsOf(request: ResponsesRequest): ChatTool[] | undefined {
  if (!request.tools || request.tools.length === 0) return undefined;
  return request.tools.map((t) => ({
    type: 'function',
    function: {
      name: t.name,
      ...(t.description ? { description: t.description } : {}),
      ...(t.parameters ? { parameters: t.parameters } : {}),
      // Sent only when the client chose: a strict schema has rules some upstreams enforce.
      ...(typeof t.strict === 'boolean' ? { strict: t.strict } : {}),
    },
  }));
}

function responseFormatOf(request: ResponsesRequest): ChatCompletionRequest['response_format'] {
  const f = request.text?.format;
  if (!f || f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  return {
    type: 'json_schema',
    json_schema: { name: f.name, schema: f.schema, ...(f.description ? { description: f.description } : {}), ...(typeof f.strict === 'boolean' ? { strict: f.strict } : {}) },
  };
}

/**
 * A Responses request → the chat request every provider serves. `history` is the stored conversation
 * of the previous response (previous_response_id); only this request's `instructions` apply.
 */
export function toChatRequest(request: ResponsesRequest, history: readonly ResponsesInputItem[]): ChatCompletionRequest {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  messages.push(...itemsToMessages(history, 'previous_response_id'), ...itemsToMessages(inputItems(request)));
  const chat: ChatCompletionRequest = { model: request.model, messages, stream: request.stream === true };
  if (typeof request.max_output_tokens === 'number') chat.max_completion_tokens = request.max_output_tokens;
  if (typeof request.temperature === 'number') chat.temperature = request.temperature;
  if (typeof request.top_p === 'number') chat.top_p = request.top_p;
  const tools = toolsOf(request);
  if (tools) chat.tools = tools;
  const choice = request.tool_choice;
  if (choice !== undefined && choice !== null) {
    chat.tool_choice = typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
  }
  if (typeof request.parallel_tool_calls === 'boolean' && tools) chat.parallel_tool_calls = request.parallel_tool_calls;
  const format = responseFormatOf(request);
  if (format) chat.response_format = format;
  if (typeof request.user === 'string') chat.user = request.user;
  if (typeof request.reasoning?.effort === 'string') chat.reasoning_effort = request.reasoning.effort;
  if (typeof request.service_tier === 'string') chat.service_tier = request.service_tier;
  return chat;
}
