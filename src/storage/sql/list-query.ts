import { type Kysely, sql } from 'kysely';
import type { ListQuery } from '../ports/resource-store.js';
import { flag } from './rows.js';
import type { Db, SqlDialectName } from './schema.js';

/** Label keys that can sit inside a quoted SQLite JSON path as they are. */
const PLAIN_LABEL_KEY = /^[A-Za-z0-9._/-]+$/;

export const clampLimit = (limit: number): number => Math.min(Math.max(1, Math.trunc(limit) || 1), 1000);

/**
 * One keyset page: `name > after ORDER BY name LIMIT limit + 1` (the extra row says whether a next page
 * exists). Filters stay in SQL so a page never loads the kind's other rows; exported for the plan tests.
 */
export function listQuery(db: Kysely<Db>, dialect: SqlDialectName, kind: string, query: ListQuery) {
  let q = db.selectFrom('resources').selectAll().where('kind', '=', kind).where('deleted', '=', flag(dialect, false));
  if (query.after !== undefined) q = q.where('name', '>', query.after);
  // An empty team list matches nothing; `IN ()` is not valid SQL.
  if (query.teams !== undefined) q = query.teams.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('team', 'in', [...query.teams]);
  if (query.owner !== undefined) q = q.where('owner', '=', query.owner);
  const labels = Object.entries(query.labels ?? {});
  if (labels.length > 0 && dialect === 'postgres') {
    q = q.where(sql<boolean>`labels @> ${JSON.stringify(Object.fromEntries(labels))}::jsonb`);
  } else {
    for (const [key, value] of labels) {
      q = PLAIN_LABEL_KEY.test(key)
        ? q.where(sql<string>`json_extract(labels, ${`$."${key}"`})`, '=', value)
        : q.where(sql<boolean>`EXISTS (SELECT 1 FROM json_each(resources.labels) WHERE json_each.key = ${key} AND json_each.value = ${value})`);
    }
  }
  return q.orderBy('name').limit(clampLimit(query.limit) + 1);
}
