import { type Static, Type as T } from '@sinclair/typebox';

/**
 * Schemas of the configuration kinds read from gantry.yaml (Kubernetes-style documents). They are
 * strict (unknown fields are errors) so that a typo never silently changes behaviour.
 */
export const API_VERSION = 'gantry/v1alpha1';

const Name = T.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9._:/-]{0,127}$' });
const EnvName = T.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const FromEnv = T.Object({ fromEnv: EnvName, default: T.Optional(T.String()) }, { additionalProperties: false });
const Usd = T.String({ pattern: '^\\d{1,12}(\\.\\d{1,6})?$', description: 'decimal USD, e.g. "0.15"' });

export const TimeoutsSchema = T.Object(
  {
    connectMs: T.Optional(T.Integer({ minimum: 1, maximum: 600_000 })),
    headersMs: T.Optional(T.Integer({ minimum: 1, maximum: 3_600_000 })),
    bodyIdleMs: T.Optional(T.Integer({ minimum: 1, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);

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

const Metadata = T.Object(
  { name: Name, labels: T.Optional(T.Record(T.String(), T.String())) },
  { additionalProperties: false },
);

export const ProviderSpecSchema = T.Object(
  {
    type: T.Union([T.Literal('openai-compatible'), T.Literal('simulator'), T.Literal('anthropic')]),
    baseUrl: T.Optional(T.Union([T.String({ pattern: '^https?://' }), FromEnv])),
    apiKey: T.Optional(FromEnv),
    headers: T.Optional(T.Record(T.String(), T.String())),
    timeouts: T.Optional(TimeoutsSchema),
    maxConnections: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
    instant: T.Optional(T.Boolean()),
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

export const ModelSpecSchema = T.Object(
  {
    type: T.Optional(T.Union([T.Literal('chat'), T.Literal('embedding')])),
    provider: T.Optional(Name),
    upstreamModel: T.Optional(T.String({ minLength: 1 })),
    deployments: T.Optional(T.Array(DeploymentSchema, { minItems: 1, maxItems: 64 })),
    timeouts: T.Optional(TimeoutsSchema),
    faults: T.Optional(FaultsSchema),
    pricing: T.Optional(PricingSchema),
    description: T.Optional(T.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const ProviderDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Provider'), metadata: Metadata, spec: ProviderSpecSchema },
  { additionalProperties: false },
);

export const ModelDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Model'), metadata: Metadata, spec: ModelSpecSchema },
  { additionalProperties: false },
);

export type ProviderDoc = Static<typeof ProviderDocSchema>;
export type ModelDoc = Static<typeof ModelDocSchema>;
export type ProviderSpec = Static<typeof ProviderSpecSchema>;
export type ModelSpec = Static<typeof ModelSpecSchema>;
export type FaultsSpec = Static<typeof FaultsSchema>;
export type TimeoutsSpec = Static<typeof TimeoutsSchema>;
export type PricingSpec = Static<typeof PricingSchema>;
export type ConfigDoc = ProviderDoc | ModelDoc;

export const KIND_SCHEMAS = { Provider: ProviderDocSchema, Model: ModelDocSchema } as const;
export type ConfigKind = keyof typeof KIND_SCHEMAS;
