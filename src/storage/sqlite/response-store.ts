import type { Database } from 'better-sqlite3';
import type { ResponseObject, ResponsesInputItem } from '../../kernel/wire/responses.js';
import type { ResponseStore, StoredResponse } from '../ports/response-store.js';

interface Row {
  id: string;
  team: string;
  key_id: string;
  created_at: number;
  expires_at: number;
  response: string;
  conversation: string;
}

const toRecord = (r: Row): StoredResponse => ({
  id: r.id,
  team: r.team,
  keyId: r.key_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  response: JSON.parse(r.response) as ResponseObject,
  conversation: JSON.parse(r.conversation) as ResponsesInputItem[],
});

/** Responses are JSON documents; the team and expiry are columns so lookups filter on them. */
export function createSqliteResponseStore(db: Database): ResponseStore {
  const put = db.prepare(
    `INSERT INTO responses (id, team, key_id, created_at, expires_at, response, conversation) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET team = excluded.team, key_id = excluded.key_id, created_at = excluded.created_at,
       expires_at = excluded.expires_at, response = excluded.response, conversation = excluded.conversation`,
  );
  const get = db.prepare('SELECT * FROM responses WHERE id = ? AND team = ? AND expires_at > ?');
  const del = db.prepare('DELETE FROM responses WHERE id = ? AND team = ?');
  const purge = db.prepare('DELETE FROM responses WHERE expires_at <= ?');
  return {
    async put(r) {
      put.run(r.id, r.team, r.keyId, r.createdAt, r.expiresAt, JSON.stringify(r.response), JSON.stringify(r.conversation));
    },
    async get(id, team, now) {
      const row = get.get(id, team, now) as Row | undefined;
      return row ? toRecord(row) : undefined;
    },
    async delete(id, team) {
      return del.run(id, team).changes > 0;
    },
    async purgeExpired(now) {
      return purge.run(now).changes;
    },
  };
}
