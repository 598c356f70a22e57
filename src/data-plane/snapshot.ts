import type { CompiledGuardrail } from '../guardrails/compiled.js';
import type { TokenPrices } from '../kernel/money.js';
import type { PolicyEngine } from '../policy/types.js';
import type { Principal } from '../kernel/types.js';
import type { McpUpstream } from '../mcp/contract.js';
import type { DeploymentTarget, Provider } from '../providers/contract.js';

/**
 * The immutable runtime snapshot the data plane serves from. The control plane compiles it from
 * resources; the data plane swaps it atomically and never mutates it. Everything a request needs is a
 * Map lookup here: no database round-trip on the hot path.
 */
export interface CompiledDeployment {
  /** target.id is the deployment's name: spec name, else "<provider>/<upstreamModel>" (x-gantry-route). */
  readonly target: DeploymentTarget;
  readonly provider: Provider;
  /** Weighted strategy share (0: no new traffic, still a fallback). */
  readonly weight: number;
  /** Lower first (priority strategy, fallback order). Deployments are stored sorted by it. */
  readonly priority: number;
  /** This deployment's price (undefined: unpriced; then the whole model is unpriced and refused). */
  readonly pricing: ModelPricing | undefined;
  readonly limits: ModelLimits;
  readonly capabilities: DeploymentCapabilities;
}

export interface DeploymentCapabilities {
  readonly tools: boolean;
  readonly vision: boolean;
  readonly jsonMode: boolean;
}

export type RoutingStrategy = 'priority' | 'weighted' | 'least-latency' | 'least-busy' | 'cost';

/** How a model picks among its deployments and survives their failures (spec.routing with defaults). */
export interface CompiledRouting {
  readonly strategy: RoutingStrategy;
  readonly sticky: 'none' | 'run' | 'key';
  readonly retry: {
    /** Extra attempts on the same deployment for a retryable error. */
    readonly attempts: number;
    readonly backoffMs: number;
    readonly maxBackoffMs: number;
    /** Retries allowed as a fraction of requests (0.2 = 20%). */
    readonly budgetRatio: number;
    readonly minPerSecond: number;
  };
  /** Other models tried in order once every deployment of this one failed. */
  readonly fallbacks: readonly string[];
  readonly fallbackOn: { readonly error: boolean; readonly contextWindow: boolean; readonly contentFilter: boolean };
  readonly breaker: { readonly failures: number; readonly cooldownMs: number };
  readonly healthCheck: { readonly intervalMs: number; readonly timeoutMs: number } | undefined;
  readonly whenAllDown: 'fallback' | 'cache' | 'error';
}

/** Response caching of a model (spec.cache with defaults); undefined on the model when it has none. */
export interface CompiledCache {
  readonly exact: { readonly ttlMs: number } | undefined;
  readonly semantic:
    | { readonly embeddingModel: string; readonly threshold: number; readonly ttlMs: number; readonly allowTools: boolean; readonly anyTemperature: boolean }
    | undefined;
  /** One namespace for every team (else one per team). */
  readonly shared: boolean;
  /** Expired entries kept this long for whenAllDown: cache. */
  readonly staleMs: number;
}

/** What a Route decided for one request. */
export interface RouteDecision {
  /** The Model that serves. */
  readonly model: string;
  /** Why, recorded on the usage event: `rule:<name>`, `complexity:0.62>=0.5`, `split:<model>`, `default`. */
  readonly reason: string;
}

/**
 * Features of a chat request that Route rules (CEL) and the complexity scorer read. Names are the
 * CEL variable names (docs/routing.md#features).
 */
export interface RequestFeatures {
  /** Estimated prompt tokens (all messages, tools and schemas). */
  readonly promptTokens: number;
  /** User turns in the conversation. */
  readonly turns: number;
  readonly messages: number;
  readonly tools: boolean;
  readonly toolCount: number;
  /** Code in the prompt (fenced blocks or code-like lines). */
  readonly code: boolean;
  readonly jsonMode: boolean;
  readonly images: boolean;
  /** max_tokens / max_completion_tokens, 0 when absent. */
  readonly maxTokens: number;
  /** Declared task: x-gantry-task header, else the `task` tag, else "". */
  readonly task: string;
  readonly agent: string;
  readonly team: string;
  /** The last user message (lower-cased, for keyword rules like `lastUser.contains("prove")`). */
  readonly lastUser: string;
  /** The built-in heuristic complexity score, 0..1. */
  readonly score: number;
}

/** A compiled Route: a public model name that decides per request which Model serves it. */
export interface CompiledRoute {
  readonly name: string;
  /** Model names this route may pick (for /v1/models, scoping and reservations). */
  readonly targets: readonly string[];
  /** The flagship savings are measured against; undefined: no savings recorded. */
  readonly baseline: string | undefined;
  /** Pure and synchronous; `stickyKey` is the run or key id the route is sticky on (undefined: random). */
  decide(features: RequestFeatures, stickyKey: string | undefined): RouteDecision;
  readonly sticky: 'none' | 'run' | 'key';
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
  /** Sorted by priority (then list order). */
  readonly deployments: readonly CompiledDeployment[];
  /**
   * Price of the first deployment (undefined: some deployment has no price, and the model fails
   * closed with GW_MODEL_UNPRICED). Usage is priced per deployment (CompiledDeployment.pricing).
   */
  readonly pricing: ModelPricing | undefined;
  /**
   * Component-wise maximum of the prices of every deployment this model may be served by (its own,
   * its fallback models', plus the semantic cache's embedding input price): budget reservations
   * use it so a fallback can never overrun a reservation. Undefined when all of them are free.
   */
  readonly worstPrices: TokenPrices | undefined;
  /** maxOutputTokens: the largest of any deployment it may be served by (reservation worst case); contextWindow: the first deployment's. */
  readonly limits: ModelLimits;
  readonly routing: CompiledRouting;
  readonly cache: CompiledCache | undefined;
  /** Secrets its deployments' providers use (read_secret is decided for each when a policy covers that action). */
  readonly secrets: readonly string[];
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
  /** Namespaced tools (`server__tool`) it may call through the MCP gateway; undefined: none declared (no tools). */
  readonly tools: ReadonlySet<string> | undefined;
}

/** An McpServer as the MCP gateway serves it (docs/mcp.md). */
export interface CompiledMcpServer {
  readonly name: string;
  /** The live connection, created by main/ and kept across snapshots while the spec and its secrets are unchanged. */
  readonly upstream: McpUpstream;
  readonly timeoutMs: number;
  /** Upstream tool names exposed at all (undefined: every listed tool), before per-agent filtering. */
  readonly allow: ReadonlySet<string> | undefined;
  readonly deny: ReadonlySet<string>;
  /** Price of one call in micro-USD (spec.pricing.perCall; 0 when absent). */
  readonly perCallMicros: number;
  /** Per upstream tool name, overriding perCallMicros. */
  readonly toolPriceMicros: ReadonlyMap<string, number>;
  /** Recorded on usage events as priceVersion, e.g. `mcpserver:demo@3`. */
  readonly priceVersion: string;
  /** Secrets the server uses (read_secret is decided for each before a call). */
  readonly secrets: readonly string[];
}

/** Who a Grant is for: the team, narrowed to an agent, user or key when set. */
export interface CompiledGrant {
  readonly name: string;
  readonly team: string;
  readonly agent: string | undefined;
  readonly user: string | undefined;
  readonly apiKey: string | undefined;
  readonly action: 'invoke_model' | 'call_tool' | 'read_secret';
  /** Model/Route name, `server__tool`, or Secret name. */
  readonly resource: string;
  /** Epoch ms: approved at, and the end (exclusive). Only approved, unrevoked grants are compiled. */
  readonly from: number;
  readonly until: number;
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
  /** Public model names that are Routes (never the same name as a Model). */
  readonly routes: ReadonlyMap<string, CompiledRoute>;
  /** Teams whose requests never read or write the response cache (Team spec.cache.enabled: false). */
  readonly cacheOptOutTeams: ReadonlySet<string>;
  /** Policy resources compiled (Cedar); undefined when there are none (no decision is made at all). */
  readonly policies: PolicyEngine | undefined;
  /** Guardrail resources, sorted by name. */
  readonly guardrails: readonly CompiledGuardrail[];
  /** McpServer resources whose upstream could be set up. */
  readonly mcpServers: ReadonlyMap<string, CompiledMcpServer>;
  /** Approved grants whose window has not ended when compiled (each request checks its own time). */
  readonly grants: readonly CompiledGrant[];
}

/** Where the data plane reads the current snapshot from (swapped atomically by the control plane). */
export interface SnapshotSource {
  current(): RuntimeSnapshot | undefined;
}
