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
  readonly count: number;
}

/** One (agent, kind, item) with when it was first and last seen and how often. */
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
}
