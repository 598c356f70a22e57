import type { TokenPrices } from '../kernel/money.js';
import type { Principal } from '../kernel/types.js';
import type { DeploymentTarget, Provider } from '../providers/contract.js';

/**
 * The immutable runtime snapshot the data plane serves from. The control plane compiles it from
 * resources; the data plane swaps it atomically and never mutates it. Everything a request needs is a
 * Map lookup here: no database round-trip on the hot path.
 */
export interface CompiledDeployment {
  readonly target: DeploymentTarget;
  readonly provider: Provider;
}

export type ModelPricing = { readonly free: true } | { readonly free: false; readonly prices: TokenPrices };

export interface CompiledModel {
  readonly name: string;
  readonly type: 'chat' | 'embedding';
  /** In priority order; the first is used (fallback across deployments comes with routing). */
  readonly deployments: readonly CompiledDeployment[];
  /** Undefined: the model has no price and fails closed with GW_MODEL_UNPRICED. */
  readonly pricing: ModelPricing | undefined;
}

/** Keyed hash of an API key → principal: one lookup per request. */
export interface KeyLookup {
  get(hash: string): Principal | undefined;
  /** Every live credential (admin views and tests; not for the hot path). */
  entries(): IterableIterator<[string, Principal]>;
  readonly size: number;
}

/** A registered agent as the data plane checks it (x-gantry-agent). */
export interface CompiledAgent {
  readonly name: string;
  readonly owner: string;
  /** Active or deprecated: its keys work and it may be named in x-gantry-agent. */
  readonly serving: boolean;
  readonly models: ReadonlySet<string> | undefined;
}

export interface RuntimeSnapshot {
  readonly generation: number;
  /** Identifies the price table; stored on every usage event. */
  readonly priceVersion: string;
  readonly models: ReadonlyMap<string, CompiledModel>;
  /** Pre-rendered body of GET /v1/models. */
  readonly modelListBody: string;
  /** Keyed hash of an API key → who it belongs to. */
  readonly keys: KeyLookup;
  readonly agents: ReadonlyMap<string, CompiledAgent>;
}

/** Where the data plane reads the current snapshot from (swapped atomically by the control plane). */
export interface SnapshotSource {
  current(): RuntimeSnapshot | undefined;
}
