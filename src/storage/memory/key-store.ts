import type { ApiKeyRecord, KeyStore } from '../ports/key-store.js';

export function createMemoryKeyStore(): KeyStore {
  const byHash = new Map<string, ApiKeyRecord>();
  return {
    async insert(r) {
      const existing = byHash.get(r.hash);
      if (existing) return existing;
      byHash.set(r.hash, r);
      return r;
    },
    async listActive() {
      return [...byHash.values()].filter((r) => r.revokedAt === undefined).sort((a, b) => a.createdAt - b.createdAt);
    },
    async revoke(id, at) {
      for (const [hash, r] of byHash) {
        if (r.id === id && r.revokedAt === undefined) {
          byHash.set(hash, { ...r, revokedAt: at });
          return true;
        }
      }
      return false;
    },
  };
}
