import { compareFindings, DEFAULT_DRIFT_LIMIT, type DriftFinding, type DriftStore, driftKey, mergeDriftObservations } from '../ports/drift-store.js';

/** Drift findings in memory (tests; nothing survives a restart). */
export function createMemoryDriftStore(): DriftStore {
  const findings = new Map<string, DriftFinding>();
  return {
    async record(observations) {
      for (const o of mergeDriftObservations(observations)) {
        const key = driftKey(o);
        const prev = findings.get(key);
        const firstAt = o.firstAt ?? o.at;
        findings.set(key, {
          agent: o.agent,
          kind: o.kind,
          item: o.item,
          team: o.team,
          firstSeen: prev ? Math.min(prev.firstSeen, firstAt) : firstAt,
          lastSeen: prev ? Math.max(prev.lastSeen, o.at) : o.at,
          count: (prev?.count ?? 0) + o.count,
        });
      }
    },
    async list(q) {
      const agents = q.agents ? new Set(q.agents) : undefined;
      const teams = q.teams ? new Set(q.teams) : undefined;
      const out: DriftFinding[] = [];
      for (const f of findings.values()) {
        if (f.lastSeen < q.since) continue;
        if (agents && !agents.has(f.agent)) continue;
        if (teams && !teams.has(f.team)) continue;
        out.push(f);
      }
      return out.sort(compareFindings).slice(0, q.limit ?? DEFAULT_DRIFT_LIMIT);
    },
  };
}
