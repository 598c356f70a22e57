import { describe, expect, it } from 'vitest';
import type { ResponseObject } from '../../kernel/wire/responses.js';
import type { ResponseStore, StoredResponse } from '../ports/response-store.js';

const response = (id: string): ResponseObject => ({
  id,
  object: 'response',
  created_at: 1,
  status: 'completed',
  background: false,
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  model: 'sim-small',
  output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'héllo 🚀', annotations: [] }] }],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  service_tier: null,
  store: true,
  temperature: null,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: null,
  truncation: 'disabled',
  usage: { input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5 },
  user: null,
  metadata: { k: 'v' },
});

export const storedResponse = (o: Partial<StoredResponse> = {}): StoredResponse => ({
  id: 'resp_1',
  team: 'team-a',
  keyId: 'key_1',
  createdAt: 1_000,
  expiresAt: 10_000,
  response: response(o.id ?? 'resp_1'),
  conversation: [
    { role: 'user', content: 'hi' },
    { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{"a":1}' },
    { type: 'function_call_output', call_id: 'call_1', output: 'ok' },
  ],
  ...o,
});

export function describeResponseStoreContract(name: string, make: () => Promise<ResponseStore> | ResponseStore): void {
  describe(`ResponseStore contract: ${name}`, () => {
    it('returns a stored response to its team, unchanged', async () => {
      const store = await make();
      await store.put(storedResponse());
      expect(await store.get('resp_1', 'team-a', 5_000)).toEqual(storedResponse());
      expect(await store.get('resp_missing', 'team-a', 5_000)).toBeUndefined();
    });

    it('never shows or deletes a response of another team', async () => {
      const store = await make();
      await store.put(storedResponse());
      expect(await store.get('resp_1', 'team-b', 5_000)).toBeUndefined();
      expect(await store.delete('resp_1', 'team-b')).toBe(false);
      expect(await store.get('resp_1', 'team-a', 5_000)).toBeDefined();
    });

    it('treats an expired response as gone, and purges expired ones only', async () => {
      const store = await make();
      await store.put(storedResponse());
      await store.put(storedResponse({ id: 'resp_2', expiresAt: 20_000 }));
      expect(await store.get('resp_1', 'team-a', 9_999)).toBeDefined();
      expect(await store.get('resp_1', 'team-a', 10_000)).toBeUndefined();
      expect(await store.purgeExpired(10_000)).toBe(1);
      expect(await store.purgeExpired(10_000)).toBe(0);
      expect((await store.get('resp_2', 'team-a', 10_000))?.id).toBe('resp_2');
    });

    it('deletes once and replaces a record put again with the same id', async () => {
      const store = await make();
      await store.put(storedResponse());
      await store.put(storedResponse({ expiresAt: 50_000, conversation: [{ role: 'user', content: 'again' }] }));
      expect((await store.get('resp_1', 'team-a', 20_000))?.conversation).toEqual([{ role: 'user', content: 'again' }]);
      expect(await store.delete('resp_1', 'team-a')).toBe(true);
      expect(await store.delete('resp_1', 'team-a')).toBe(false);
      expect(await store.get('resp_1', 'team-a', 20_000)).toBeUndefined();
    });
  });
}
