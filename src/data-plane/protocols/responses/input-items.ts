import type { StoredResponse } from '../../../storage/ports/response-store.js';
import type { ResponsesInputItem } from '../../../kernel/wire/responses.js';
import { GatewayError } from '../../../kernel/errors/index.js';

/** Query of GET /v1/responses/{id}/input_items (OpenAI's cursor list). */
export interface InputItemsQuery {
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly after: string | undefined;
}

export function parseInputItemsQuery(params: URLSearchParams): InputItemsQuery {
  const order = params.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new GatewayError('GW_REQUEST_INVALID', 'order must be "asc" or "desc".', { param: 'order' });
  const rawLimit = params.get('limit') ?? '20';
  const limit = Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new GatewayError('GW_REQUEST_INVALID', 'limit must be an integer from 1 to 100.', { param: 'limit' });
  return { order, limit, after: params.get('after') ?? undefined };
}

/**
 * The items that went into a stored response (the conversation it continued and its own input,
 * without its output), each with an id — input items sent without one get a stable id derived from
 * the response id and their position — as OpenAI's list object.
 */
export function listInputItems(record: StoredResponse, query: InputItemsQuery) {
  const inputCount = record.conversation.length - record.response.output.length;
  const items: (ResponsesInputItem & { id: string })[] = record.conversation.slice(0, Math.max(0, inputCount)).map((item, i) => {
    const base = item.type === undefined ? { type: 'message' as const, ...item } : item;
    return { ...base, id: item.id ?? `${record.id.replace(/^resp_/, 'item_')}_${i}` } as ResponsesInputItem & { id: string };
  });
  const ordered = query.order === 'asc' ? items : items.reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => item.id === query.after);
    if (at === -1) throw new GatewayError('GW_REQUEST_INVALID', `after names no input item of ${record.id}.`, { param: 'after' });
    start = at + 1;
  }
  const data = ordered.slice(start, start + query.limit);
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + query.limit < ordered.length,
  };
}
