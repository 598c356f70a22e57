import type { AgentDriftMessage } from '../../telemetry/channels.js';

export type DriftKind = AgentDriftMessage['kind'];

/** Observations of one kind of drift (already deduplicated and counted by the detector). */
export interface DriftObservation {
  readonly agent: string;
  readonly team: string;
  readonly kind: DriftKind;
  /** Model, tool or offered function name; '' for unregistered_agent. */
  readonly item: string;
  /** Epoch ms of the newest occurrence in this batch. */
  readonly at: number;
  /** Epoch ms of the oldest occurrence in this batch (default: at). */
  readonly firstAt?: number;
  readonly count: number;
}

/**
 * One (agent, kind, item, team) with when it was first and last seen and how often. The team (of the
 * keys that made the requests) is part of the finding: two teams that send the same unregistered
 * agent name each see their own finding, never the other's counts.
 */
export interface DriftFinding {
  readonly agent: string;
  readonly team: string;
  readonly kind: DriftKind;
  readonly item: string;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly count: number;
}

export interface DriftQuery {
  /** Findings last seen at or after this epoch ms. */
  readonly since: number;
  readonly agents?: readonly string[];
  /** Only these teams (the teams an actor may see); an empty list matches nothing. */
  readonly teams?: readonly string[];
  /** Default 1000. */
  readonly limit?: number;
}

/**
 * Agent drift findings (docs/agents.md#drift), kept next to the usage ledger (the SQLite file, or
 * Postgres with GANTRY_DATABASE_URL). Written in batches by the detector, never per request.
 */
export interface DriftStore {
  /** Upserts: count adds up, firstSeen keeps the earliest, lastSeen the latest. */
  record(observations: readonly DriftObservation[]): Promise<void>;
  /** Newest lastSeen first. */
  list(q: DriftQuery): Promise<DriftFinding[]>;
  /** Releases connections (Postgres); the SQLite and memory adapters have nothing to release. */
  close?(): Promise<void>;
}

/** The identity of a finding. */
export const driftKey = (o: Pick<DriftObservation, 'agent' | 'kind' | 'item' | 'team'>): string => `${o.agent}\u0000${o.kind}\u0000${o.item}\u0000${o.team}`;

/**
 * One observation per (agent, kind, item, team), in key order: adapters upsert each key once per
 * statement (Postgres refuses to update a row twice in one INSERT … ON CONFLICT) and in one lock order.
 */
export function mergeDriftObservations(observations: readonly DriftObservation[]): DriftObservation[] {
  const byKey = new Map<string, DriftObservation>();
  for (const o of observations) {
    const key = driftKey(o);
    const prev = byKey.get(key);
    const firstAt = o.firstAt ?? o.at;
    if (!prev) {
      byKey.set(key, { ...o, firstAt });
      continue;
    }
    byKey.set(key, {
      agent: o.agent,
      kind: o.kind,
      item: o.item,
      team: o.team,
      at: Math.max(prev.at, o.at),
      firstAt: Math.min(prev.firstAt ?? prev.at, firstAt),
      count: prev.count + o.count,
    });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
}

/** Newest lastSeen first, then by agent, kind, item and team (the same order in every adapter). */
export function compareFindings(a: DriftFinding, b: DriftFinding): number {
  if (a.lastSeen !== b.lastSeen) return b.lastSeen - a.lastSeen;
  for (const k of ['agent', 'kind', 'item', 'team'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return 0;
}

export const DEFAULT_DRIFT_LIMIT = 1000;
