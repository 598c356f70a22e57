import type { Database } from 'better-sqlite3';
import { DEFAULT_DRIFT_LIMIT, type DriftFinding, type DriftKind, type DriftStore, mergeDriftObservations } from '../ports/drift-store.js';

interface Row {
  agent: string;
  kind: DriftKind;
  item: string;
  team: string;
  first_seen: number;
  last_seen: number;
  count: number;
}

const toFinding = (r: Row): DriftFinding => ({
  agent: r.agent,
  kind: r.kind,
  item: r.item,
  team: r.team,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  count: r.count,
});

/** `(?, ?, …)` for an IN list (SQLite allows 32,766 parameters; lists here are names an actor may see). */
const placeholders = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;

/** Drift findings in the ledger's SQLite file (table agent_drift, migrations 8 and 9); one transaction per batch. */
export function createSqliteDriftStore(db: Database): DriftStore {
  const upsert = db.prepare(
    `INSERT INTO agent_drift (agent, kind, item, team, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (agent, kind, item, team) DO UPDATE SET
       first_seen = MIN(agent_drift.first_seen, excluded.first_seen),
       last_seen = MAX(agent_drift.last_seen, excluded.last_seen),
       count = agent_drift.count + excluded.count`,
  );
  const write = db.transaction((rows: ReturnType<typeof mergeDriftObservations>) => {
    for (const o of rows) upsert.run(o.agent, o.kind, o.item, o.team, o.firstAt ?? o.at, o.at, o.count);
  });
  return {
    async record(observations) {
      if (observations.length > 0) write(mergeDriftObservations(observations));
    },
    async list(q) {
      if (q.teams?.length === 0 || q.agents?.length === 0) return [];
      const where = ['last_seen >= ?'];
      const params: (string | number)[] = [q.since];
      if (q.agents) {
        where.push(`agent IN ${placeholders(q.agents.length)}`);
        params.push(...q.agents);
      }
      if (q.teams) {
        where.push(`team IN ${placeholders(q.teams.length)}`);
        params.push(...q.teams);
      }
      params.push(q.limit ?? DEFAULT_DRIFT_LIMIT);
      const rows = db.prepare(`SELECT * FROM agent_drift WHERE ${where.join(' AND ')} ORDER BY last_seen DESC, agent, kind, item, team LIMIT ?`).all(...params) as Row[];
      return rows.map(toFinding);
    },
  };
}
