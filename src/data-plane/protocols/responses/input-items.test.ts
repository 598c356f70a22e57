import { describe, expect, it } from 'vitest';
import type { ResponseObject } from '../../../kernel/wire/responses.js';
import type { StoredResponse } from '../../../storage/ports/response-store.js';
import { listInputItems, parseInputItemsQuery } from './input-items.js';

const record = {
  id: 'resp_abc',
  team: 't',
  keyId: 'k',
  createdAt: 0,
  expiresAt: 1,
  response: { output: [{ type: 'message', id: 'msg_out', role: 'assistant', content: [] }] } as unknown as ResponseObject,
  conversation: [
    { role: 'user', content: 'one' },
    { type: 'message', id: 'msg_given', role: 'assistant', content: 'two' },
    { role: 'user', content: 'three' },
    { type: 'message', id: 'msg_out', role: 'assistant', content: [] },
  ],
} as StoredResponse;

describe('input items of a stored response', () => {
  it('lists the input without the output, newest first by default, with stable ids', () => {
    const page = listInputItems(record, parseInputItemsQuery(new URLSearchParams()));
    expect(page.data.map((i) => i.id)).toEqual(['item_abc_2', 'msg_given', 'item_abc_0']);
    expect(page.data[0]).toMatchObject({ type: 'message', role: 'user', content: 'three' });
    expect(page).toMatchObject({ object: 'list', first_id: 'item_abc_2', last_id: 'item_abc_0', has_more: false });
  });

  it('pages with order, limit and after', () => {
    const first = listInputItems(record, parseInputItemsQuery(new URLSearchParams('order=asc&limit=2')));
    expect(first.data.map((i) => i.id)).toEqual(['item_abc_0', 'msg_given']);
    expect(first.has_more).toBe(true);
    const rest = listInputItems(record, parseInputItemsQuery(new URLSearchParams(`order=asc&after=${first.last_id}`)));
    expect(rest.data.map((i) => i.id)).toEqual(['item_abc_2']);
  });

  it('names the bad parameter', () => {
    expect(() => parseInputItemsQuery(new URLSearchParams('order=up'))).toThrow(expect.objectContaining({ param: 'order' }));
    expect(() => parseInputItemsQuery(new URLSearchParams('limit=0'))).toThrow(expect.objectContaining({ param: 'limit' }));
    expect(() => listInputItems(record, parseInputItemsQuery(new URLSearchParams('after=nope')))).toThrow(expect.objectContaining({ param: 'after' }));
  });
});
