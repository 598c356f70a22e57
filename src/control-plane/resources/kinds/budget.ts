import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema, Usd } from '../common.js';
import { FailModeSchema, ScopeSchema } from './scope.js';

export const BUDGET_WINDOWS = ['daily', 'weekly', 'monthly', 'total'] as const;
export const DEFAULT_BUDGET_ALERTS: readonly number[] = [80, 100];

/** A spending limit on a scope of traffic over a calendar window (UTC). Rules beyond the schema: validate.ts. */
export const BudgetSpecSchema = T.Object(
  {
    scope: ScopeSchema,
    /** `run`: every x-gantry-run value has its own counter of `limitUsd`. */
    per: T.Optional(T.Literal('run')),
    window: T.Union(BUDGET_WINDOWS.map((w) => T.Literal(w))),
    limitUsd: Usd,
    /** hard: refuse requests (GW_BUDGET_EXHAUSTED); soft: track and alert only. Default hard. */
    enforcement: T.Optional(T.Union([T.Literal('hard'), T.Literal('soft')])),
    /** Percent of the limit at which an alert fires: ascending, no repeats. Default [80, 100]. */
    alerts: T.Optional(T.Array(T.Integer({ minimum: 1, maximum: 1000 }), { minItems: 1, maxItems: 20 })),
    /** Counter store unreachable: closed refuses, open serves untracked. Default closed (hard), open (soft). */
    failMode: T.Optional(FailModeSchema),
    description: T.Optional(T.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const BudgetDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Budget'), metadata: metadataSchema(Ident), spec: BudgetSpecSchema },
  { additionalProperties: false },
);

export type BudgetSpec = Static<typeof BudgetSpecSchema>;
