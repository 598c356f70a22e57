import type { ResponseStore, StoredResponse } from '../ports/response-store.js';

export function createMemoryResponseStore(): ResponseStore {
  const byId = new Map<string, StoredResponse>();
  return {
    async put(record) {
      byId.set(record.id, record);
    },
    async get(id, team, now) {
      const r = byId.get(id);
      return r && r.team === team && r.expiresAt > now ? r : undefined;
    },
    async delete(id, team) {
      const r = byId.get(id);
      if (!r || r.team !== team) return false;
      byId.delete(id);
      return true;
    },
    async purgeExpired(now) {
      let n = 0;
      for (const [id, r] of byId) {
        if (r.expiresAt <= now) {
          byId.delete(id);
          n++;
        }
      }
      return n;
    },
  };
}
