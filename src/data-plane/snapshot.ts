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

/**
 * Where a model's price comes from, recorded on every usage event as `priceVersion`, e.g.
 * `model:sim-small@3` (inline `spec.pricing`, generation 3), `pricebook:acme@2026-11`,
 * `gpupool:h100-a@2`, `catalogue@2026-11-01` (the bundled list of hosted-model prices).
 */
export type ModelPricing =
  | { readonly free: true; readonly version: string }
  | { readonly free: false; readonly prices: TokenPrices; readonly version: string };

/** Token limits of a model, for budget reservations (worst-case output) and max_tokens capping. */
export interface ModelLimits {
  /** Largest completion the model produces; reservations assume this when the request sets no max_tokens. */
  readonly maxOutputTokens: number;
  readonly contextWindow: number | undefined;
}

/** Which requests a Budget or RateLimit applies to: every field given must match (AND); {} is all traffic. */
export interface ScopeMatch {
  readonly team?: string;
  readonly agent?: string;
  /** ApiKey resource name (principal.keyName). */
  readonly apiKey?: string;
  readonly user?: string;
  readonly workflow?: string;
  readonly model?: string;
  /** x-gantry-tags that must be present with these values (e.g. {repo: web}). */
  readonly tags?: Readonly<Record<string, string>>;
}

export type BudgetWindow = 'daily' | 'weekly' | 'monthly' | 'total';

export interface CompiledBudget {
  readonly name: string;
  readonly scope: ScopeMatch;
  /** `per: run`: every x-gantry-run value has its own counter (requests without a run are not held). */
  readonly perRun: boolean;
  readonly window: BudgetWindow;
  readonly limitMicros: number;
  /** Hard: requests are refused (GW_BUDGET_EXHAUSTED). Soft: tracked and alerted only. */
  readonly hard: boolean;
  /** Alert thresholds in percent of the limit, ascending (e.g. [50, 80, 100]). */
  readonly alerts: readonly number[];
  /** Counter store unreachable: refuse (closed) or serve untracked (open). */
  readonly failClosed: boolean;
}

/** A RateLimit partitioned by `per` (undefined: one shared counter for all matching traffic). */
export interface CompiledRateLimit {
  readonly name: string;
  readonly scope: ScopeMatch;
  readonly per: 'team' | 'agent' | 'apiKey' | 'user' | 'model' | undefined;
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
  readonly concurrent: number | undefined;
  readonly failClosed: boolean;
}

export interface CompiledModel {
  readonly name: string;
  readonly type: 'chat' | 'embedding';
  /** In priority order; the first is used (fallback across deployments comes with routing). */
  readonly deployments: readonly CompiledDeployment[];
  /** Undefined: the model has no price and fails closed with GW_MODEL_UNPRICED. */
  readonly pricing: ModelPricing | undefined;
  readonly limits: ModelLimits;
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
  readonly models: ReadonlyMap<string, CompiledModel>;
  /** Pre-rendered body of GET /v1/models. */
  readonly modelListBody: string;
  /** Keyed hash of an API key → who it belongs to. */
  readonly keys: KeyLookup;
  readonly agents: ReadonlyMap<string, CompiledAgent>;
  /** Sorted by name (stable counter keys and messages). */
  readonly budgets: readonly CompiledBudget[];
  readonly rateLimits: readonly CompiledRateLimit[];
}

/** Where the data plane reads the current snapshot from (swapped atomically by the control plane). */
export interface SnapshotSource {
  current(): RuntimeSnapshot | undefined;
}
