import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, metadataSchema, Name } from '../common.js';

/**
 * A Route is a public model name (listed in GET /v1/models) that picks one of several Models per
 * request: by CEL rules over request features, by the built-in complexity score, or by a weighted
 * split (canary between model versions). Its name must not be a Model's name.
 */
export const RouteRuleSchema = T.Object(
  {
    name: Name,
    /** CEL over the request features (docs/routing.md#features), e.g. `tools || promptTokens > 4000`. */
    when: T.String({ minLength: 1, maxLength: 2000 }),
    model: Name,
  },
  { additionalProperties: false },
);

export const RouteSpecSchema = T.Object(
  {
    description: T.Optional(T.String({ maxLength: 1000 })),
    /** Rules in order; the first that matches decides. */
    rules: T.Optional(T.Array(RouteRuleSchema, { maxItems: 100 })),
    /** Built-in heuristic: a score in 0..1 from the request features; at or above `threshold` goes to `complex`. */
    complexity: T.Optional(
      T.Object(
        { threshold: T.Optional(T.Number({ minimum: 0, maximum: 1 })), simple: Name, complex: Name },
        { additionalProperties: false },
      ),
    ),
    /** Weighted split between models (canary), used when no rule matched and there is no complexity block. */
    split: T.Optional(T.Array(T.Object({ model: Name, weight: T.Integer({ minimum: 0, maximum: 1_000_000 }) }, { additionalProperties: false }), { minItems: 1, maxItems: 20 })),
    /** Split: the same run (x-gantry-run) or API key always gets the same model. Default run. */
    sticky: T.Optional(T.Union([T.Literal('none'), T.Literal('run'), T.Literal('key')])),
    /** When nothing else decides. */
    default: T.Optional(Name),
    /** The flagship savings are measured against (default: complexity.complex, else the most expensive target). */
    baseline: T.Optional(Name),
  },
  { additionalProperties: false },
);

export const RouteDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Route'), metadata: metadataSchema(Name), spec: RouteSpecSchema },
  { additionalProperties: false },
);

export type RouteSpec = Static<typeof RouteSpecSchema>;
export type RouteDoc = Static<typeof RouteDocSchema>;
