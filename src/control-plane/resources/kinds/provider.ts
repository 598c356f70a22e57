import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, FromEnv, metadataSchema, Name } from '../common.js';
import { SecretRef } from './secret.js';

export const TimeoutsSchema = T.Object(
  {
    connectMs: T.Optional(T.Integer({ minimum: 1, maximum: 600_000 })),
    headersMs: T.Optional(T.Integer({ minimum: 1, maximum: 3_600_000 })),
    bodyIdleMs: T.Optional(T.Integer({ minimum: 1, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);

export const ProviderSpecSchema = T.Object(
  {
    type: T.Union([T.Literal('openai-compatible'), T.Literal('simulator'), T.Literal('anthropic')]),
    baseUrl: T.Optional(T.Union([T.String({ pattern: '^https?://' }), FromEnv])),
    /** `{fromEnv: NAME}` or `{secretRef: name}` (a Secret: stored encrypted, rotatable). */
    apiKey: T.Optional(T.Union([FromEnv, SecretRef])),
    headers: T.Optional(T.Record(T.String(), T.String())),
    timeouts: T.Optional(TimeoutsSchema),
    maxConnections: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
    instant: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);

export const ProviderDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Provider'), metadata: metadataSchema(Name), spec: ProviderSpecSchema },
  { additionalProperties: false },
);

export type ProviderSpec = Static<typeof ProviderSpecSchema>;
export type ProviderDoc = Static<typeof ProviderDocSchema>;
export type TimeoutsSpec = Static<typeof TimeoutsSchema>;
