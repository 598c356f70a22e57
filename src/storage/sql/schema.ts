import type { ColumnType } from 'kysely';

/** bigint columns: numbers in, and pg hands int8 back as a string (converted on read). */
type Int8 = ColumnType<number | string, number, number>;
type NullableInt8 = ColumnType<number | string | null, number | null, number | null>;
/** JSON written as text; SQLite reads back text, Postgres jsonb (labels) comes back parsed. */
type JsonColumn = ColumnType<unknown, string, string>;
type NullableJsonText = ColumnType<string | null, string | null, string | null>;
/** INTEGER 0/1 on SQLite (better-sqlite3 cannot bind booleans), boolean on Postgres. */
type Flag = ColumnType<number | boolean, number | boolean, number | boolean>;

export interface ResourcesTable {
  kind: string;
  name: string;
  uid: string;
  team: string | null;
  owner: string | null;
  labels: JsonColumn;
  spec: NullableJsonText;
  status: NullableJsonText;
  secret: NullableJsonText;
  generation: number;
  revision: Int8;
  created_at: Int8;
  updated_at: Int8;
  created_by: string;
  updated_by: string;
  deleted: Flag;
  last_used_at: NullableInt8;
}

export interface AuditLogTable {
  seq: Int8;
  ts: Int8;
  actor: string;
  action: string;
  kind: string | null;
  name: string | null;
  team: string | null;
  outcome: string;
  request_id: string | null;
  source_ip: string | null;
  before: NullableJsonText;
  after: NullableJsonText;
  diff: NullableJsonText;
  prev_hash: string;
  hash: string;
  seal: string | null;
}

/** A single row (id = 1): the global revision counter and the lock every commit takes first. */
export interface StoreMetaTable {
  id: number;
  revision: Int8;
}

export interface Db {
  resources: ResourcesTable;
  audit_log: AuditLogTable;
  store_meta: StoreMetaTable;
}

export type SqlDialectName = 'sqlite' | 'postgres';
