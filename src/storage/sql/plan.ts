import type { CompiledQuery, Kysely } from 'kysely';
import type { Db } from './schema.js';

/**
 * A transaction written once as a generator: it yields each compiled query and receives its rows. The
 * Postgres driver runs it with awaits; the SQLite driver runs it synchronously (see sqlite.ts for why).
 */
export type Plan<T> = Generator<CompiledQuery, T, readonly unknown[]>;

/** Runs a plan in one transaction: all of it, or (on any throw) nothing. */
export type TransactionRunner = <T>(plan: () => Plan<T>) => Promise<T>;

/** `const rows = yield* step(query)`: one query of a plan, typed by its builder. */
export function* step<R>(query: CompiledQuery<R>): Generator<CompiledQuery, R[], readonly unknown[]> {
  return (yield query) as R[];
}

/** Drives a plan through Kysely's own transaction (one pooled connection, BEGIN … COMMIT). */
export function kyselyTransactionRunner(db: Kysely<Db>): TransactionRunner {
  return <T>(plan: () => Plan<T>) =>
    db.transaction().execute(async (trx) => {
      const steps = plan();
      let next = steps.next();
      while (!next.done) next = steps.next((await trx.executeQuery(next.value)).rows);
      return next.value;
    });
}

export function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
