import type { Database } from 'better-sqlite3';
import type { ApiKeyRecord, KeyStore } from '../ports/key-store.js';

interface Row {
  id: string;
  hash: string;
  display_prefix: string;
  name: string;
  team: string;
  created_at: number;
  revoked_at: number | null;
}

const toRecord = (r: Row): ApiKeyRecord => ({
  id: r.id,
  hash: r.hash,
  displayPrefix: r.display_prefix,
  name: r.name,
  team: r.team,
  createdAt: r.created_at,
  revokedAt: r.revoked_at ?? undefined,
});

export function createSqliteKeyStore(db: Database): KeyStore {
  const insert = db.prepare(
    'INSERT INTO api_keys (id, hash, display_prefix, name, team, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
  );
  const byHash = db.prepare('SELECT * FROM api_keys WHERE hash = ?');
  const active = db.prepare('SELECT * FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  return {
    async insert(r) {
      insert.run(r.id, r.hash, r.displayPrefix, r.name, r.team, r.createdAt, r.revokedAt ?? null);
      return toRecord(byHash.get(r.hash) as Row);
    },
    async listActive() {
      return (active.all() as Row[]).map(toRecord);
    },
    async revoke(id, at) {
      return revoke.run(at, id).changes > 0;
    },
  };
}
