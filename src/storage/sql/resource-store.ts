import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { type Clock, systemClock } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { AuditDraft, AuditEntry, CommitPreconditions, CommitResult, ResourceStore, ResourceStoreOptions, ResourceWrite, StoredResource } from '../ports/resource-store.js';
import { clampLimit, listQuery } from './list-query.js';
import { chunked, kyselyTransactionRunner, type Plan, step, type TransactionRunner } from './plan.js';
import { applyWrite, chainAudit, compareNames, missingReference, teamInUse } from './resource-writes.js';
import { flag, toAuditEntry, toAuditRow, toResourceRow, toStoredResource } from './rows.js';
import type { Db, SqlDialectName } from './schema.js';

/** Rows per multi-row statement: 16 columns × 500 stays under SQLite's 32,766 and Postgres' 65,535 parameters. */
const CHUNK = 500;
export const NOTIFY_CHANNEL = 'gantry_resources';

export interface SqlResourceStoreOptions extends ResourceStoreOptions {
  readonly clock?: Pick<Clock, 'now'>;
  /** How commits run; defaults to a Kysely transaction (SQLite passes its synchronous runner). */
  readonly runTransaction?: TransactionRunner;
  readonly subscribe?: ResourceStore['subscribe'];
  /** Releases what the opener created; defaults to `db.destroy()`. */
  readonly close?: () => Promise<void>;
}

const key = (kind: string, name: string) => `${kind}\u0000${name}`;
const byKindName = (a: StoredResource, b: StoredResource) => compareNames(a.kind, b.kind) || compareNames(a.name, b.name);

/** One Kysely implementation of the ResourceStore port for SQLite and Postgres. */
export function createSqlResourceStore(db: Kysely<Db>, dialect: SqlDialectName, options: SqlResourceStoreOptions = {}): ResourceStore {
  const clock = options.clock ?? systemClock;
  const runTransaction = options.runTransaction ?? kyselyTransactionRunner(db);

  function* loadRows(writes: readonly ResourceWrite[]): Plan<Map<string, StoredResource>> {
    const namesByKind = new Map<string, Set<string>>();
    for (const w of writes) namesByKind.set(w.kind, (namesByKind.get(w.kind) ?? new Set()).add(w.name));
    const found = new Map<string, StoredResource>();
    for (const [kind, names] of namesByKind) {
      for (const part of chunked([...names], CHUNK)) {
        const rows = yield* step(db.selectFrom('resources').selectAll().where('kind', '=', kind).where('name', 'in', part).compile());
        for (const r of rows) found.set(key(r.kind, r.name), toStoredResource(r));
      }
    }
    return found;
  }

  function upsert(rows: readonly StoredResource[]) {
    return db
      .insertInto('resources')
      .values(rows.map((r) => toResourceRow(r, dialect)))
      .onConflict((oc) =>
        oc.columns(['kind', 'name']).doUpdateSet((eb) => ({
          uid: eb.ref('excluded.uid'),
          team: eb.ref('excluded.team'),
          owner: eb.ref('excluded.owner'),
          labels: eb.ref('excluded.labels'),
          spec: eb.ref('excluded.spec'),
          status: eb.ref('excluded.status'),
          secret: eb.ref('excluded.secret'),
          generation: eb.ref('excluded.generation'),
          revision: eb.ref('excluded.revision'),
          created_at: eb.ref('excluded.created_at'),
          updated_at: eb.ref('excluded.updated_at'),
          created_by: eb.ref('excluded.created_by'),
          updated_by: eb.ref('excluded.updated_by'),
          deleted: eb.ref('excluded.deleted'),
          // Same incarnation: keep the stored value, which a concurrent touch() may have moved on.
          last_used_at: sql<number | null>`CASE WHEN resources.uid = excluded.uid THEN resources.last_used_at ELSE excluded.last_used_at END`,
        })),
      )
      .compile();
  }

  function* checkPreconditions(pre: CommitPreconditions): Plan<void> {
    for (const ref of pre.mustExist ?? []) {
      const found = yield* step(
        db.selectFrom('resources').select('name').where('kind', '=', ref.kind).where('name', '=', ref.name).where('deleted', '=', flag(dialect, false)).compile(),
      );
      if (found.length === 0) throw missingReference(ref.kind, ref.name);
    }
    for (const team of pre.teamsUnused ?? []) {
      const users = yield* step(
        db
          .selectFrom('resources')
          .select(['kind', 'name'])
          .where('team', '=', team)
          .where('kind', '<>', 'Team')
          .where('deleted', '=', flag(dialect, false))
          .limit(5)
          .compile(),
      );
      if (users.length > 0) throw teamInUse(team, users);
    }
  }

  function* commitPlan(writes: readonly ResourceWrite[], drafts: readonly AuditDraft[], pre: CommitPreconditions = {}): Plan<CommitResult> {
    // First statement, always: takes the write lock (SQLite) / row lock (Postgres) before any read, so
    // commits from every process serialize and the audit chain stays one line. Audit-only commits
    // lock without bumping.
    const bump = writes.length > 0 ? 1 : 0;
    const meta = yield* step(
      db
        .updateTable('store_meta')
        .set({ revision: sql<number>`revision + ${bump}` })
        .where('id', '=', 1)
        .returning('revision')
        .compile(),
    );
    if (meta[0] === undefined) {
      throw new GatewayError('GW_INTERNAL', 'The resource store database has no store_meta row; it was not migrated. Restart Gantry.');
    }
    const revision = Number(meta[0].revision);
    yield* checkPreconditions(pre);

    const current = writes.length > 0 ? yield* loadRows(writes) : new Map<string, StoredResource>();
    const staged = new Map<string, StoredResource>();
    const ctx = { revision, now: clock.now(), newUid: randomUUID };
    const written = writes.map((w) => {
      const k = key(w.kind, w.name);
      const row = applyWrite(staged.get(k) ?? current.get(k), w, ctx);
      staged.set(k, row);
      return row;
    });
    // A stable (kind, name) order takes row locks in the same order as touch(), so they cannot deadlock.
    for (const part of chunked([...staged.values()].sort(byKindName), CHUNK)) yield* step(upsert(part));

    let audit: AuditEntry[] = [];
    if (drafts.length > 0) {
      const last = yield* step(db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).compile());
      audit = chainAudit(last[0] && { seq: Number(last[0].seq), hash: last[0].hash }, drafts, options.seal);
      for (const part of chunked(audit, CHUNK)) yield* step(db.insertInto('audit_log').values(part.map(toAuditRow)).compile());
    }
    if (dialect === 'postgres' && bump > 0) {
      // Delivered to listeners only when this transaction commits.
      yield* step(sql`SELECT pg_notify(${NOTIFY_CHANNEL}, ${String(revision)})`.compile(db));
    }
    return { revision, written, audit };
  }

  function* touchPlan(kind: string, entries: readonly { readonly name: string; readonly at: number }[]): Plan<void> {
    const latest = new Map<string, number>();
    for (const { name, at } of entries) latest.set(name, Math.max(at, latest.get(name) ?? at));
    for (const name of [...latest.keys()].sort(compareNames)) {
      const at = latest.get(name)!;
      yield* step(
        db
          .updateTable('resources')
          .set({ last_used_at: sql<number>`CASE WHEN last_used_at IS NULL OR last_used_at < ${at} THEN ${at} ELSE last_used_at END` })
          .where('kind', '=', kind)
          .where('name', '=', name)
          .compile(),
      );
    }
  }

  return guardConnectionErrors({
    commit: (writes, drafts, pre) => runTransaction(() => commitPlan(writes, drafts, pre)),

    async get(kind, name) {
      const row = await db
        .selectFrom('resources')
        .selectAll()
        .where('kind', '=', kind)
        .where('name', '=', name)
        .where('deleted', '=', flag(dialect, false))
        .executeTakeFirst();
      return row && toStoredResource(row);
    },

    async list(kind, query) {
      const limit = clampLimit(query.limit);
      const rows = await listQuery(db, dialect, kind, query).execute();
      const items = rows.slice(0, limit).map(toStoredResource);
      return { items, next: rows.length > limit ? items.at(-1)?.name : undefined };
    },

    async count(kind) {
      const row = await db
        .selectFrom('resources')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('kind', '=', kind)
        .where('deleted', '=', flag(dialect, false))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    async revision() {
      const row = await db.selectFrom('store_meta').select('revision').where('id', '=', 1).executeTakeFirst();
      return Number(row?.revision ?? 0);
    },

    async changesSince(revision, limit) {
      if (limit <= 0) return [];
      const rows = await db
        .selectFrom('resources')
        .selectAll()
        .where('revision', '>', revision)
        .orderBy('revision')
        .orderBy('kind')
        .orderBy('name')
        .limit(Math.trunc(limit))
        .execute();
      return rows.map(toStoredResource);
    },

    async touch(kind, entries) {
      if (entries.length > 0) await runTransaction(() => touchPlan(kind, entries));
    },

    async listAudit(afterSeq, limit) {
      if (limit <= 0) return [];
      const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(Math.trunc(limit)).execute();
      return rows.map(toAuditEntry);
    },

    async lastAudit() {
      const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).execute();
      return rows[0] ? toAuditEntry(rows[0]) : undefined;
    },

    subscribe: options.subscribe,
    close: options.close ?? (() => db.destroy()),
  });
}

/** Errors that mean "the database is not reachable" rather than "this request is wrong". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'SQLITE_BUSY', '57P01', '57P02', '57P03']);

function isConnectionError(err: unknown): boolean {
  if (err instanceof GatewayError) return false;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(message);
}

/** Wraps every method: an unreachable database becomes 503 GW_STORE_UNAVAILABLE, not a 500. */
function guardConnectionErrors(store: ResourceStore): ResourceStore {
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      if (isConnectionError(err)) throw new GatewayError('GW_STORE_UNAVAILABLE', undefined, { cause: err });
      throw err;
    }
  };
  return {
    commit: guard(store.commit),
    get: guard(store.get),
    list: guard(store.list),
    count: guard(store.count),
    revision: guard(store.revision),
    changesSince: guard(store.changesSince),
    touch: guard(store.touch),
    listAudit: guard(store.listAudit),
    lastAudit: guard(store.lastAudit),
    subscribe: store.subscribe,
    close: store.close,
  };
}
