import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema } from '../common.js';
import { FailModeSchema, ScopeSchema } from './scope.js';

export const RATE_LIMIT_PER = ['team', 'agent', 'apiKey', 'user', 'model'] as const;

const PositiveInt = T.Integer({ minimum: 1, maximum: 1_000_000_000 });

/** Requests per minute, tokens per minute and concurrent requests for a scope of traffic (at least one). */
export const RateLimitSpecSchema = T.Object(
  {
    scope: ScopeSchema,
    /** A separate counter per team, agent, key, user or model of the matching traffic; absent: one shared counter. */
    per: T.Optional(T.Union(RATE_LIMIT_PER.map((p) => T.Literal(p)))),
    requestsPerMinute: T.Optional(PositiveInt),
    tokensPerMinute: T.Optional(PositiveInt),
    concurrent: T.Optional(PositiveInt),
    /** Counter store unreachable: open serves unlimited (default), closed refuses. */
    failMode: T.Optional(FailModeSchema),
    description: T.Optional(T.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const RateLimitDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('RateLimit'), metadata: metadataSchema(Ident), spec: RateLimitSpecSchema },
  { additionalProperties: false },
);

export type RateLimitSpec = Static<typeof RateLimitSpecSchema>;
