import type { Insertable, Selectable } from 'kysely';
import type { AuditEntry, StoredResource } from '../ports/resource-store.js';
import type { AuditLogTable, ResourcesTable, SqlDialectName } from './schema.js';

const encode = (value: unknown): string | null => (value === undefined ? null : (JSON.stringify(value) ?? null));
const decode = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));
const optional = <T>(value: T | null): T | undefined => (value === null ? undefined : value);
const int = (value: number | string): number => Number(value);

/** better-sqlite3 cannot bind booleans: 0/1 there, a real boolean on Postgres. */
export const flag = (dialect: SqlDialectName, value: boolean): number | boolean => (dialect === 'sqlite' ? (value ? 1 : 0) : value);

export function toStoredResource(r: Selectable<ResourcesTable>): StoredResource {
  return {
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    team: optional(r.team),
    owner: optional(r.owner),
    // TEXT on SQLite; jsonb on Postgres, which pg already parsed.
    labels: (typeof r.labels === 'string' ? JSON.parse(r.labels) : r.labels) as Record<string, string>,
    spec: decode(r.spec),
    status: decode(r.status),
    secret: decode(r.secret),
    generation: int(r.generation),
    revision: int(r.revision),
    createdAt: int(r.created_at),
    updatedAt: int(r.updated_at),
    createdBy: r.created_by,
    updatedBy: r.updated_by,
    deleted: r.deleted === true || r.deleted === 1,
    lastUsedAt: r.last_used_at === null ? undefined : int(r.last_used_at),
  };
}

export function toResourceRow(r: StoredResource, dialect: SqlDialectName): Insertable<ResourcesTable> {
  return {
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    team: r.team ?? null,
    owner: r.owner ?? null,
    labels: JSON.stringify(r.labels),
    spec: encode(r.spec),
    status: encode(r.status),
    secret: encode(r.secret),
    generation: r.generation,
    revision: r.revision,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    created_by: r.createdBy,
    updated_by: r.updatedBy,
    deleted: flag(dialect, r.deleted),
    last_used_at: r.lastUsedAt ?? null,
  };
}

/** Returns the stored values as they are: no re-hashing, so a verifier sees any edit made behind our back. */
export function toAuditEntry(r: Selectable<AuditLogTable>): AuditEntry {
  return {
    seq: int(r.seq),
    ts: int(r.ts),
    actor: r.actor,
    action: r.action,
    kind: optional(r.kind),
    name: optional(r.name),
    team: optional(r.team),
    outcome: r.outcome,
    requestId: optional(r.request_id),
    sourceIp: optional(r.source_ip),
    before: decode(r.before),
    after: decode(r.after),
    diff: decode(r.diff),
    prevHash: r.prev_hash,
    hash: r.hash,
    seal: optional(r.seal),
  };
}

export function toAuditRow(e: AuditEntry): Insertable<AuditLogTable> {
  return {
    seq: e.seq,
    ts: e.ts,
    actor: e.actor,
    action: e.action,
    kind: e.kind ?? null,
    name: e.name ?? null,
    team: e.team ?? null,
    outcome: e.outcome,
    request_id: e.requestId ?? null,
    source_ip: e.sourceIp ?? null,
    before: encode(e.before),
    after: encode(e.after),
    diff: encode(e.diff),
    prev_hash: e.prevHash,
    hash: e.hash,
    seal: e.seal ?? null,
  };
}
