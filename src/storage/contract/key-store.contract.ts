import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord, KeyStore } from '../ports/key-store.js';

const record = (o: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'key_1',
  hash: 'h1',
  displayPrefix: 'gk_abcd…',
  name: 'demo',
  team: 'default',
  createdAt: 1,
  revokedAt: undefined,
  ...o,
});

export function describeKeyStoreContract(name: string, make: () => Promise<KeyStore> | KeyStore): void {
  describe(`KeyStore contract: ${name}`, () => {
    it('inserts, lists active keys and keeps the first record for a duplicate hash', async () => {
      const store = await make();
      expect(await store.insert(record())).toEqual(record());
      expect(await store.insert(record({ id: 'key_other', name: 'again' }))).toEqual(record());
      await store.insert(record({ id: 'key_2', hash: 'h2', createdAt: 2 }));
      expect((await store.listActive()).map((r) => r.id)).toEqual(['key_1', 'key_2']);
    });

    it('revokes a key once', async () => {
      const store = await make();
      await store.insert(record());
      expect(await store.revoke('key_1', 10)).toBe(true);
      expect(await store.revoke('key_1', 11)).toBe(false);
      expect(await store.listActive()).toEqual([]);
    });
  });
}
