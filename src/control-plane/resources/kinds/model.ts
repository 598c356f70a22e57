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
  },
  { additionalProperties: false },
);

export const DeploymentSchema = T.Object(
  {
    provider: Name,
    upstreamModel: T.Optional(T.String({ minLength: 1 })),
    timeouts: T.Optional(TimeoutsSchema),
    faults: T.Optional(FaultsSchema),
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
