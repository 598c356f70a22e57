import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, metadataSchema, Name, Usd } from '../common.js';
import { TimeoutsSchema } from './provider.js';

export const FaultsSchema = T.Object(
  {
    errorRate: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    errorStatus: T.Optional(T.Integer({ minimum: 400, maximum: 599 })),
    latencySpikeRate: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    latencySpikeMs: T.Optional(T.Integer({ minimum: 0, maximum: 600_000 })),
    cutStreamAfterChunks: T.Optional(T.Integer({ minimum: 0 })),
    ttftMs: T.Optional(T.Integer({ minimum: 0, maximum: 600_000 })),
    tokensPerSecond: T.Optional(T.Number({ exclusiveMinimum: 0 })),
    contentFilterRate: T.Optional(T.Number({ minimum: 0, maximum: 1 })),
    contextWindow: T.Optional(T.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

/** What a deployment can serve; the cost-aware strategy skips deployments that lack what a request needs. */
export const CapabilitiesSchema = T.Object(
  {
    tools: T.Optional(T.Boolean()),
    vision: T.Optional(T.Boolean()),
    jsonMode: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);

/** Either `{free: true}` or prices; which fields a kind of model needs is checked in validate.ts. */
export const PricingSchema = T.Object(
  {
    free: T.Optional(T.Literal(true)),
    inputPer1M: T.Optional(Usd),
    outputPer1M: T.Optional(Usd),
    cachedInputPer1M: T.Optional(Usd),
    cacheWritePer1M: T.Optional(Usd),
    perRequest: T.Optional(Usd),
  },
  { additionalProperties: false },
);

/** Token limits; absent: the bundled catalogue's values for the upstream model, else maxOutputTokens 4096. */
export const LimitsSchema = T.Object(
  {
    /** Largest completion the model produces (budget reservations assume it when a request sets no max_tokens). */
    maxOutputTokens: T.Optional(T.Integer({ minimum: 1, maximum: 10_000_000 })),
    contextWindow: T.Optional(T.Integer({ minimum: 1, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);

export const DeploymentSchema = T.Object(
  {
    /** Shown in x-gantry-route and the admin API; default "<provider>/<upstreamModel>". Unique within the model. */
    name: T.Optional(Name),
    provider: Name,
    upstreamModel: T.Optional(T.String({ minLength: 1 })),
    /** Share of traffic for the weighted strategy (canary: 95/5); 0 takes no new traffic but stays a fallback. Default 1. */
    weight: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000 })),
    /** Lower is tried first by the priority strategy and for fallback order; default: list order. */
    priority: T.Optional(T.Integer({ minimum: 0, maximum: 1_000 })),
    timeouts: T.Optional(TimeoutsSchema),
    faults: T.Optional(FaultsSchema),
    /** This deployment's own price (another upstream model or provider); default: the model's price resolution for its upstream model. */
    pricing: T.Optional(PricingSchema),
    limits: T.Optional(LimitsSchema),
    capabilities: T.Optional(CapabilitiesSchema),
  },
  { additionalProperties: false },
);

export const FallbackOnSchema = T.Union([T.Literal('error'), T.Literal('context_window'), T.Literal('content_filter')]);

export const RoutingSchema = T.Object(
  {
    strategy: T.Optional(T.Union([T.Literal('priority'), T.Literal('weighted'), T.Literal('least-latency'), T.Literal('least-busy'), T.Literal('cost')])),
    /** Weighted strategy: the same run (x-gantry-run) or API key always lands on the same deployment. */
    sticky: T.Optional(T.Union([T.Literal('none'), T.Literal('run'), T.Literal('key')])),
    retries: T.Optional(
      T.Object(
        {
          /** Extra attempts on the same deployment for a retryable error (connect, 429, 5xx, timeout). Default 1. */
          attempts: T.Optional(T.Integer({ minimum: 0, maximum: 10 })),
          backoffMs: T.Optional(T.Integer({ minimum: 0, maximum: 60_000 })),
          maxBackoffMs: T.Optional(T.Integer({ minimum: 0, maximum: 300_000 })),
          /** Retries may add at most this percentage of the model's requests (retry budget). Default 20. */
          budgetPercent: T.Optional(T.Integer({ minimum: 0, maximum: 100 })),
          /** ...but always at least this many retries per second. Default 5. */
          minPerSecond: T.Optional(T.Integer({ minimum: 0, maximum: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Other models tried, in order, once every deployment of this one failed. */
    fallbacks: T.Optional(T.Array(Name, { maxItems: 10 })),
    /** Which failures move to the next deployment or fallback model. Default [error]. */
    fallbackOn: T.Optional(T.Array(FallbackOnSchema, { maxItems: 3 })),
    breaker: T.Optional(
      T.Object(
        {
          /** Consecutive failures that open a deployment's circuit. Default 5. */
          failures: T.Optional(T.Integer({ minimum: 1, maximum: 1_000 })),
          /** How long an open circuit refuses traffic before one probe is let through. Default 30000. */
          cooldownMs: T.Optional(T.Integer({ minimum: 100, maximum: 3_600_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Active health checks: a 1-token request to every deployment at this interval (costs tokens on paid providers). */
    healthCheck: T.Optional(
      T.Object(
        { intervalMs: T.Integer({ minimum: 1_000, maximum: 3_600_000 }), timeoutMs: T.Optional(T.Integer({ minimum: 100, maximum: 120_000 })) },
        { additionalProperties: false },
      ),
    ),
    /** When every deployment is down: try the fallbacks, serve a (possibly stale) cached answer, or answer 503 at once. */
    whenAllDown: T.Optional(T.Union([T.Literal('fallback'), T.Literal('cache'), T.Literal('error')])),
  },
  { additionalProperties: false },
);

export const CacheSchema = T.Object(
  {
    exact: T.Optional(T.Object({ ttlSeconds: T.Optional(T.Integer({ minimum: 1, maximum: 31_536_000 })) }, { additionalProperties: false })),
    semantic: T.Optional(
      T.Object(
        {
          embeddingModel: Name,
          /** Cosine similarity at or above which a cached answer is served. Default 0.95. */
          threshold: T.Optional(T.Number({ minimum: 0.5, maximum: 1 })),
          ttlSeconds: T.Optional(T.Integer({ minimum: 1, maximum: 31_536_000 })),
          /** False-hit guards, off by default: serve semantic hits to requests with tools, or with temperature > 0. */
          allowTools: T.Optional(T.Boolean()),
          anyTemperature: T.Optional(T.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Answers are shared by every team (public, non-personal content only). Default false: one namespace per team. */
    shared: T.Optional(T.Boolean()),
    /** With whenAllDown: cache, expired answers are kept this long to serve while the model is down. Default 86400. */
    staleSeconds: T.Optional(T.Integer({ minimum: 0, maximum: 31_536_000 })),
  },
  { additionalProperties: false },
);

export const ModelSpecSchema = T.Object(
  {
    type: T.Optional(T.Union([T.Literal('chat'), T.Literal('embedding')])),
    provider: T.Optional(Name),
    upstreamModel: T.Optional(T.String({ minLength: 1 })),
    deployments: T.Optional(T.Array(DeploymentSchema, { minItems: 1, maxItems: 64 })),
    timeouts: T.Optional(TimeoutsSchema),
    faults: T.Optional(FaultsSchema),
    pricing: T.Optional(PricingSchema),
    /** Self-hosted: priced from this GpuPool's cost and throughput (when there is no inline pricing). */
    gpuPool: T.Optional(Name),
    limits: T.Optional(LimitsSchema),
    routing: T.Optional(RoutingSchema),
    cache: T.Optional(CacheSchema),
    description: T.Optional(T.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const ModelDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Model'), metadata: metadataSchema(Name), spec: ModelSpecSchema },
  { additionalProperties: false },
);

export type ModelSpec = Static<typeof ModelSpecSchema>;
export type ModelDoc = Static<typeof ModelDocSchema>;
export type FaultsSpec = Static<typeof FaultsSchema>;
export type PricingSpec = Static<typeof PricingSchema>;
export type LimitsSpec = Static<typeof LimitsSchema>;
export type DeploymentSpec = Static<typeof DeploymentSchema>;
export type RoutingSpec = Static<typeof RoutingSchema>;
export type CacheSpec = Static<typeof CacheSchema>;
