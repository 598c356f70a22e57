import type { GatewayError } from '../../../kernel/errors/index.js';
import type { ChatCompletionChunk, FinishReason } from '../../../kernel/wire/openai.js';
import type { ItemStatus, OutputFunctionCallItem, OutputMessageItem, ResponseObject, ResponsesOutputItem } from '../../../kernel/wire/responses.js';
import { endOf, type NewId, responsesUsage } from './from-chat.js';

/** One typed Responses stream event (`type` + `sequence_number` + its fields). */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number: number;
  [key: string]: unknown;
}

/** Writes one event; a promise means "wait before writing more" (backpressure). Serialises at once. */
export type EmitEvent = (event: ResponsesStreamEvent) => Promise<void> | undefined;

interface OpenMessage {
  item: OutputMessageItem;
  index: number;
  /** Index of the content part being streamed, if one is open. */
  part: number | undefined;
}

interface OpenCall {
  item: OutputFunctionCallItem;
  index: number;
  open: boolean;
}

/**
 * Turns chat chunks into the Responses event sequence: response.created, response.in_progress, then
 * per output item output_item.added → (content_part.added → output_text.delta… → output_text.done →
 * content_part.done | function_call_arguments.delta… → function_call_arguments.done) →
 * output_item.done, and finally response.completed / response.incomplete (or error + response.failed).
 */
export function createResponsesEventStream(shell: ResponseObject, newId: NewId, emit: EmitEvent) {
  let seq = 0;
  const output: ResponsesOutputItem[] = [];
  let message: OpenMessage | undefined;
  const calls = new Map<number, OpenCall>();
  let lastCall: OpenCall | undefined;
  let finish: FinishReason | null = null;
  let pending: Promise<void> | undefined;

  const send = (type: string, fields: Record<string, unknown>): void => {
    const p = emit({ type, sequence_number: seq++, ...fields });
    if (p) pending = p;
  };
  const at = (m: OpenMessage) => ({ item_id: m.item.id, output_index: m.index });

  function openMessage(): OpenMessage {
    closeCall();
    if (message) return message;
    const item: OutputMessageItem = { type: 'message', id: newId('msg_', 32), role: 'assistant', status: 'in_progress', content: [] };
    output.push(item);
    message = { item, index: output.length - 1, part: undefined };
    send('response.output_item.added', { output_index: message.index, item });
    return message;
  }

  function closePart(m: OpenMessage): void {
    if (m.part === undefined) return;
    const content_index = m.part;
    const part = m.item.content[content_index];
    m.part = undefined;
    if (!part) return;
    if (part.type === 'output_text') send('response.output_text.done', { ...at(m), content_index, text: part.text, logprobs: [] });
    else send('response.refusal.done', { ...at(m), content_index, refusal: part.refusal });
    send('response.content_part.done', { ...at(m), content_index, part });
  }

  function delta(kind: 'output_text' | 'refusal', text: string): void {
    const m = openMessage();
    const current = m.part === undefined ? undefined : m.item.content[m.part];
    if (current?.type !== kind) {
      closePart(m);
      m.item.content.push(kind === 'output_text' ? { type: 'output_text', text: '', annotations: [], logprobs: [] } : { type: 'refusal', refusal: '' });
      m.part = m.item.content.length - 1;
      send('response.content_part.added', { ...at(m), content_index: m.part, part: m.item.content[m.part] });
    }
    const part = m.item.content[m.part as number];
    if (part?.type === 'output_text') {
      part.text += text;
      send('response.output_text.delta', { ...at(m), content_index: m.part, delta: text, logprobs: [] });
    } else if (part?.type === 'refusal') {
      part.refusal += text;
      send('response.refusal.delta', { ...at(m), content_index: m.part, delta: text });
    }
  }

  function closeMessage(status: ItemStatus): void {
    if (!message) return;
    closePart(message);
    message.item.status = status;
    send('response.output_item.done', { output_index: message.index, item: message.item });
    message = undefined;
  }

  function closeCall(status: ItemStatus = 'completed'): void {
    if (!lastCall?.open) return;
    const c = lastCall;
    c.open = false;
    c.item.status = status;
    send('response.function_call_arguments.done', { item_id: c.item.id, output_index: c.index, name: c.item.name, arguments: c.item.arguments });
    send('response.output_item.done', { output_index: c.index, item: c.item });
  }

  function toolDelta(d: NonNullable<ChatCompletionChunk['choices'][number]['delta']['tool_calls']>[number]): void {
    let call = calls.get(d.index);
    if (!call) {
      closeMessage('completed');
      closeCall();
      const item: OutputFunctionCallItem = {
        type: 'function_call',
        id: newId('fc_', 32),
        call_id: d.id ?? '',
        name: d.function?.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      output.push(item);
      call = { item, index: output.length - 1, open: true };
      calls.set(d.index, call);
      lastCall = call;
      send('response.output_item.added', { output_index: call.index, item });
    } else {
      // Upstreams that split the id or name across deltas: keep what arrives.
      if (d.id && !call.item.call_id) call.item.call_id = d.id;
      if (d.function?.name && call.item.name !== d.function.name) call.item.name += d.function.name;
    }
    const args = d.function?.arguments;
    if (args) {
      call.item.arguments += args;
      send('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.index, delta: args });
    }
  }

  return {
    output,
    start(): Promise<void> | undefined {
      send('response.created', { response: shell });
      send('response.in_progress', { response: shell });
      return pending;
    },
    chunk(chunk: ChatCompletionChunk): Promise<void> | undefined {
      pending = undefined;
      for (const choice of chunk.choices) {
        if (choice.index !== 0) continue;
        const d = choice.delta ?? {};
        if (typeof d.content === 'string' && d.content.length > 0) delta('output_text', d.content);
        if (typeof d.refusal === 'string' && d.refusal.length > 0) delta('refusal', d.refusal);
        for (const t of d.tool_calls ?? []) toolDelta(t);
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      return pending;
    },
    /** The upstream finished: closes open items and emits the terminal event with usage. */
    finish(usageChunk: ChatCompletionChunk): ResponseObject {
      const end = endOf(finish);
      const status: ItemStatus = end.status === 'completed' ? 'completed' : 'incomplete';
      // An empty answer is one message with empty text, as in the non-stream response.
      if (output.length === 0) {
        const m = openMessage();
        m.item.content.push({ type: 'output_text', text: '', annotations: [], logprobs: [] });
        m.part = 0;
        send('response.content_part.added', { ...at(m), content_index: 0, part: m.item.content[0] });
      }
      closeMessage(status);
      closeCall();
      const response: ResponseObject = { ...shell, ...end, output, usage: responsesUsage(usageChunk.usage) };
      send(end.status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
      return response;
    },
    /** The stream failed after it started: an `error` event, then `response.failed` with what was produced. */
    fail(err: GatewayError): ResponseObject {
      closeMessage('incomplete');
      closeCall('incomplete');
      const response: ResponseObject = { ...shell, status: 'failed', error: { code: err.code, message: err.message }, output, usage: null };
      send('error', { code: err.code, message: err.message, param: err.param ?? null });
      send('response.failed', { response });
      return response;
    },
  };
}
