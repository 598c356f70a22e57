import type pg from 'pg';
import { DEFAULT_DRIFT_LIMIT, type DriftFinding, type DriftKind, type DriftStore, mergeDriftObservations } from '../ports/drift-store.js';
import { inTransaction } from './pg-pool.js';
import { chunked } from './plan.js';

interface Row {
  agent: string;
  kind: DriftKind;
  item: string;
  team: string;
  first_seen: string;
  last_seen: string;
  count: string;
}

const COLUMNS = 7;
/** 7 parameters a row: far below Postgres' 65,535 per statement. */
const ROWS_PER_STATEMENT = 500;

function upsertSql(rows: number): string {
  const values: string[] = [];
  for (let r = 0; r < rows; r++) values.push(`(${Array.from({ length: COLUMNS }, (_, c) => `$${r * COLUMNS + c + 1}`).join(', ')})`);
  return `INSERT INTO agent_drift (agent, kind, item, team, first_seen, last_seen, count) VALUES ${values.join(', ')}
    ON CONFLICT (agent, kind, item, team) DO UPDATE SET
      first_seen = LEAST(agent_drift.first_seen, EXCLUDED.first_seen),
      last_seen = GREATEST(agent_drift.last_seen, EXCLUDED.last_seen),
      count = agent_drift.count + EXCLUDED.count`;
}

/**
 * Drift findings next to the shared ledger (table agent_drift, migrations 0005 and 0006), so every replica's
 * findings add up in one place. On the ledger's pool (its owner closes it): the detector writes a batch
 * every few seconds. Rows are written in key order in one transaction, so two replicas' batches never deadlock.
 */
export function createPostgresDriftStore(pool: pg.Pool): DriftStore {
  return {
    async record(observations) {
      if (observations.length === 0) return;
      const merged = mergeDriftObservations(observations);
      await inTransaction(pool, async (client) => {
        for (const part of chunked(merged, ROWS_PER_STATEMENT)) {
          await client.query(
            upsertSql(part.length),
            part.flatMap((o) => [o.agent, o.kind, o.item, o.team, o.firstAt ?? o.at, o.at, o.count]),
          );
        }
      });
    },
    async list(q) {
      if (q.teams?.length === 0 || q.agents?.length === 0) return [];
      const params: unknown[] = [q.since];
      const where = ['last_seen >= $1'];
      if (q.agents) {
        params.push([...q.agents]);
        where.push(`agent = ANY($${params.length}::text[])`);
      }
      if (q.teams) {
        params.push([...q.teams]);
        where.push(`team = ANY($${params.length}::text[])`);
      }
      params.push(q.limit ?? DEFAULT_DRIFT_LIMIT);
      const { rows } = await pool.query<Row>(
        `SELECT * FROM agent_drift WHERE ${where.join(' AND ')} ORDER BY last_seen DESC, agent, kind, item, team LIMIT $${params.length}`,
        params,
      );
      return rows.map(
        (r): DriftFinding => ({
          agent: r.agent,
          kind: r.kind,
          item: r.item,
          team: r.team,
          firstSeen: Number(r.first_seen),
          lastSeen: Number(r.last_seen),
          count: Number(r.count),
        }),
      );
    },
  };
}
