import type { AuditFields } from '../../kernel/audit-hash.js';

/**
 * The control plane's store: declarative resources, their change feed and the hash-chained audit log.
 * Resources and audit live behind one port because a change and its audit entry are committed in one
 * transaction (an audit entry is never lost, and never written for a change that did not happen).
 */

/** A resource row as stored. JSON columns are opaque here; the control plane validates them. */
export interface StoredResource {
  readonly kind: string;
  readonly name: string;
  /** Stable id of this incarnation (a delete + re-create gets a new uid). */
  readonly uid: string;
  /** Owning team, for team-scoped listing (ApiKey.spec.team, Agent.spec.owner, a Team's own name). */
  readonly team: string | undefined;
  /** The user it belongs to (ApiKey.spec.user), for "my keys" listings without a scan. */
  readonly owner: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: unknown;
  /** Server-managed state (key display prefix, revocation, agent lifecycle history…). */
  readonly status: unknown;
  /** Never rendered by the API (ApiKey credential hashes). */
  readonly secret: unknown;
  /** Bumped on every write of this resource; 1 on create. */
  readonly generation: number;
  /** The store revision of the commit that last wrote this row (global, strictly increasing). */
  readonly revision: number;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly createdBy: string;
  readonly updatedBy: string;
  /** Only `changesSince` returns deleted rows (tombstones), so caches can drop them. */
  readonly deleted: boolean;
  /** Epoch ms of the last data-plane use (ApiKey, Agent); updated in batches, no revision bump. */
  readonly lastUsedAt: number | undefined;
}

export interface ResourcePut {
  readonly op: 'put';
  readonly kind: string;
  readonly name: string;
  readonly team: string | undefined;
  /** See StoredResource.owner; undefined when absent. */
  readonly owner?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: unknown;
  readonly status: unknown;
  readonly secret: unknown;
  /** 0: the resource must not exist (create). Otherwise the generation the caller read (update). */
  readonly expectedGeneration: number;
  readonly actor: string;
}

export interface ResourceDelete {
  readonly op: 'delete';
  readonly kind: string;
  readonly name: string;
  readonly expectedGeneration: number;
  readonly actor: string;
}

export type ResourceWrite = ResourcePut | ResourceDelete;

/** An audit entry before the store chains it (kernel/audit-hash.ts documents the fields). */
export type AuditDraft = AuditFields;

export interface AuditEntry extends AuditDraft {
  /** 1, 2, 3… without gaps. */
  readonly seq: number;
  /** Hash of the previous entry (64 zeros for the first). */
  readonly prevHash: string;
  /** sha256 over prevHash and the canonical entry (kernel/audit-hash.ts). */
  readonly hash: string;
  /** HMAC of `hash` under the server's audit key (kernel/audit-hash.ts auditSeal); absent when the store has no sealer. */
  readonly seal: string | undefined;
}

export interface ListQuery {
  /** Every label must match exactly. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Only resources owned by one of these teams (undefined: no team filter). */
  readonly teams?: readonly string[];
  /** Only resources of this user (StoredResource.owner). */
  readonly owner?: string;
  /** 1..1000. */
  readonly limit: number;
  /** Keyset pagination: names strictly after this one (names sort by byte order). */
  readonly after?: string;
}

export interface ListPage {
  readonly items: StoredResource[];
  /** The name to pass as `after` for the next page; undefined on the last page. */
  readonly next: string | undefined;
}

/** Options every adapter takes. */
export interface ResourceStoreOptions {
  /** Seals each new audit entry (see AuditEntry.seal); the key stays outside the database. */
  readonly seal?: (hash: string) => string;
}

/**
 * Conditions checked inside the commit's transaction, after its lock: references that another
 * process could remove (or add) between a check against the cache and the write.
 */
export interface CommitPreconditions {
  /** Each must exist (live) when the commit runs, else GW_RESOURCE_CONFLICT. */
  readonly mustExist?: readonly { readonly kind: string; readonly name: string }[];
  /** No live resource other than the Team itself may be owned by these teams, else GW_RESOURCE_IN_USE. */
  readonly teamsUnused?: readonly string[];
}

export interface CommitResult {
  readonly revision: number;
  /** The rows as written (deletes appear with `deleted: true`), in the order of the writes. */
  readonly written: StoredResource[];
  readonly audit: AuditEntry[];
}

export interface ResourceStore {
  /**
   * Writes every change and appends every audit draft in one transaction, or nothing. Throws
   * GatewayError GW_RESOURCE_CONFLICT when a write's expectedGeneration does not match.
   * Commits are serialized (one global revision counter), so the audit chain is a single line.
   */
  commit(writes: readonly ResourceWrite[], audit: readonly AuditDraft[], preconditions?: CommitPreconditions): Promise<CommitResult>;
  get(kind: string, name: string): Promise<StoredResource | undefined>;
  list(kind: string, query: ListQuery): Promise<ListPage>;
  count(kind: string): Promise<number>;
  /** The revision of the last commit (0 for an empty store). */
  revision(): Promise<number>;
  /** Rows (including tombstones) written after `revision`, ordered by revision then kind, name. */
  changesSince(revision: number, limit: number): Promise<StoredResource[]>;
  /** Records data-plane activity (last used / last seen) without a revision bump. */
  touch(kind: string, entries: readonly { readonly name: string; readonly at: number }[]): Promise<void>;
  /** Audit entries with seq > afterSeq, in order. */
  listAudit(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The newest audit entry (undefined for an empty log). */
  lastAudit(): Promise<AuditEntry | undefined>;
  /**
   * Calls `listener` soon after another process commits (Postgres LISTEN/NOTIFY). Undefined when
   * the adapter cannot push (SQLite): the caller polls `revision()` instead.
   */
  readonly subscribe: ((listener: () => void) => () => void) | undefined;
  close(): Promise<void>;
}
