import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../../kernel/clock.js';
import type { AuditEntry, ResourceStore, ResourceStoreOptions, StoredResource } from '../ports/resource-store.js';
import { applyWrite, chainAudit, compareNames, missingReference, teamInUse } from '../sql/resource-writes.js';

export interface MemoryResourceStoreOptions extends ResourceStoreOptions {
  readonly clock?: Pick<Clock, 'now'>;
}

const key = (kind: string, name: string) => `${kind}\u0000${name}`;

/** Callers get copies, so mutating a returned object never changes the store (as with the SQL adapters). */
const copy = (r: StoredResource): StoredResource => structuredClone(r);

/** In-memory ResourceStore for unit tests and ephemeral runs; same rules as the SQL adapters. */
export function createMemoryResourceStore(options: MemoryResourceStoreOptions = {}): ResourceStore {
  const clock = options.clock ?? systemClock;
  const rows = new Map<string, StoredResource>();
  const audit: AuditEntry[] = [];
  const listeners = new Set<() => void>();
  let revision = 0;

  const liveOfKind = (kind: string) => [...rows.values()].filter((r) => r.kind === kind && !r.deleted);

  return {
    async commit(writes, drafts, pre = {}) {
      for (const ref of pre.mustExist ?? []) {
        const row = rows.get(key(ref.kind, ref.name));
        if (!row || row.deleted) throw missingReference(ref.kind, ref.name);
      }
      for (const team of pre.teamsUnused ?? []) {
        const users = [...rows.values()].filter((r) => !r.deleted && r.team === team && r.kind !== 'Team').slice(0, 5);
        if (users.length > 0) throw teamInUse(team, users);
      }
      // Stage everything first: a conflict anywhere leaves the store untouched.
      const nextRevision = writes.length > 0 ? revision + 1 : revision;
      const ctx = { revision: nextRevision, now: clock.now(), newUid: randomUUID };
      const staged = new Map<string, StoredResource>();
      const written = writes.map((w) => {
        const k = key(w.kind, w.name);
        const row = applyWrite(staged.get(k) ?? rows.get(k), w, ctx);
        staged.set(k, row);
        return row;
      });
      const entries = chainAudit(audit.at(-1), drafts, options.seal);
      for (const [k, row] of staged) rows.set(k, row);
      audit.push(...entries);
      revision = nextRevision;
      if (writes.length > 0) {
        for (const listener of listeners) queueMicrotask(listener);
      }
      return { revision, written: written.map(copy), audit: structuredClone(entries) };
    },

    async get(kind, name) {
      const row = rows.get(key(kind, name));
      return row && !row.deleted ? copy(row) : undefined;
    },

    async list(kind, query) {
      const limit = Math.min(Math.max(1, Math.trunc(query.limit)), 1000);
      const teams = query.teams === undefined ? undefined : new Set(query.teams);
      const labels = Object.entries(query.labels ?? {});
      const after = query.after;
      const matching = liveOfKind(kind)
        .filter((r) => after === undefined || compareNames(r.name, after) > 0)
        .filter((r) => teams === undefined || (r.team !== undefined && teams.has(r.team)))
        .filter((r) => query.owner === undefined || r.owner === query.owner)
        .filter((r) => labels.every(([k, v]) => r.labels[k] === v))
        .sort((a, b) => compareNames(a.name, b.name));
      const items = matching.slice(0, limit).map(copy);
      return { items, next: matching.length > limit ? items.at(-1)?.name : undefined };
    },

    async count(kind) {
      return liveOfKind(kind).length;
    },

    async revision() {
      return revision;
    },

    async changesSince(since, limit) {
      return [...rows.values()]
        .filter((r) => r.revision > since)
        .sort((a, b) => a.revision - b.revision || compareNames(a.kind, b.kind) || compareNames(a.name, b.name))
        .slice(0, Math.max(0, limit))
        .map(copy);
    },

    async touch(kind, entries) {
      for (const { name, at } of entries) {
        const k = key(kind, name);
        const row = rows.get(k);
        if (row && (row.lastUsedAt === undefined || row.lastUsedAt < at)) rows.set(k, { ...row, lastUsedAt: at });
      }
    },

    async listAudit(afterSeq, limit) {
      // seq n sits at index n - 1 (no gaps).
      const start = Math.max(0, Math.trunc(afterSeq));
      return structuredClone(audit.slice(start, start + Math.max(0, limit)));
    },

    async lastAudit() {
      const last = audit.at(-1);
      return last && structuredClone(last);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    async close() {
      listeners.clear();
    },
  };
}
