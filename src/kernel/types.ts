import type { ErrorCode } from './errors/catalogue.js';
import type { Micros } from './money.js';

/** Who is calling: resolved from the API key by the data plane's authenticate stage. */
export interface Principal {
  readonly keyId: string;
  readonly keyName: string;
  readonly team: string;
  /** The user the key belongs to (personal keys); undefined for agent and shared keys. */
  readonly user?: string;
  /** The agent this key is a service credential of (requests are attributed to it). */
  readonly agent?: string;
  /** Models the key (and its agent) may call; undefined: any model. */
  readonly models?: ReadonlySet<string>;
  /** Agents the key may act for via x-gantry-agent; undefined: any agent of its team. */
  readonly agents?: ReadonlySet<string>;
  /** Epoch ms after which this credential is refused (expiry, or the end of a rotation grace window). */
  readonly notAfter?: number;
}

/** What the request is for: from the x-gantry-* attribution headers. */
export interface Attribution {
  readonly agent: string | undefined;
  readonly workflow: string | undefined;
  readonly run: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

/** Token counts of one request as metered. */
export interface MeteredUsage {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  outputTokens: number;
  /** True when the provider did not report usage and Gantry counted with its tokenizer. */
  estimated: boolean;
}

/**
 * Data-plane endpoints; all but `models` and `messages.count_tokens` (no model call) are metered.
 * `mcp`: the MCP gateway; only tools/call is metered (the event's model is `server__tool`).
 */
export type Endpoint = 'chat.completions' | 'embeddings' | 'messages' | 'messages.count_tokens' | 'responses' | 'models' | 'mcp';

/** One row of the ledger: every request that reached model resolution produces exactly one. */
export interface UsageEvent {
  readonly requestId: string;
  /** Epoch milliseconds when the request arrived. */
  readonly ts: number;
  readonly endpoint: Endpoint;
  readonly keyId: string;
  readonly team: string;
  /** The user the key belongs to (personal keys). */
  readonly user: string | undefined;
  readonly agent: string | undefined;
  readonly workflow: string | undefined;
  readonly run: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  /** Public model name the client asked for. */
  readonly model: string;
  /** provider/deployment that served, or undefined when none was reached. */
  readonly route: string | undefined;
  readonly provider: string | undefined;
  readonly stream: boolean;
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly cacheWriteInputTokens: number;
  readonly outputTokens: number;
  readonly usageEstimated: boolean;
  readonly costMicros: Micros;
  /** What routing saved against the model asked for (0 without routing); reported by the usage API. */
  readonly savingsMicros: Micros;
  /** Version of the price table the cost was computed with. */
  readonly priceVersion: string;
  readonly latencyMs: number;
  /** Time to first token (streams) or to the response (non-stream); undefined if none came. */
  readonly ttftMs: number | undefined;
  /** HTTP status answered to the client (200 for a stream that started, even if later cut). */
  readonly status: number;
  readonly errorCode: ErrorCode | undefined;
  /** Why the request ended: completed, client_aborted, upstream_error, rejected. */
  readonly outcome: 'completed' | 'client_aborted' | 'upstream_error' | 'rejected';
  readonly upstreamStatus: number | undefined;
  /** The Model that served when it differs from `model` (a Route's choice, or a fallback model). */
  readonly servedModel?: string | undefined;
  /** A Route's decision (`rule:<name>`, `complexity:0.62>=0.5`, `split:<model>`, `default`). */
  readonly routeReason?: string | undefined;
  /** Response cache outcome: hit, semantic_hit, stale_hit, miss, bypass. */
  readonly cache?: string | undefined;
  /** Upstream calls made (retries and fallbacks included). */
  readonly attempts?: number | undefined;
  /** Policy evidence: `deny:<ids>` or `would_deny:<ids>` (comma-separated policy ids). */
  readonly policy?: string | undefined;
  /** Guardrail evidence: `<guardrail>/<stage>/<rule>:<action>×<count>` joined by `;` (never the text). */
  readonly guardrails?: string | undefined;
}

/** A response served from the cache (exact, semantic or stale): UsageEvent.cache / the request's cache outcome. */
export const isCacheHit = (cache: string | undefined): boolean => cache === 'hit' || cache === 'semantic_hit' || cache === 'stale_hit';
