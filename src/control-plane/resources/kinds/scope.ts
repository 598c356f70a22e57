import { type Static, Type as T } from '@sinclair/typebox';
import { Ident, Name } from '../common.js';

/** Attribution values as the data plane accepts them in x-gantry-workflow (docs/api.md). */
const Workflow = T.String({ pattern: '^[\\w.:@/-]{1,128}$', description: '1-128 letters, digits and . _ - : @ /' });
const TagKey = T.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

/**
 * Which requests a Budget or RateLimit applies to. Every field given must match (AND); `{}` is all
 * traffic. Compiled to the data plane's ScopeMatch as is.
 */
export const ScopeSchema = T.Object(
  {
    team: T.Optional(Ident),
    agent: T.Optional(Ident),
    /** ApiKey resource name. */
    apiKey: T.Optional(Ident),
    user: T.Optional(Ident),
    workflow: T.Optional(Workflow),
    model: T.Optional(Name),
    /** x-gantry-tags that must be present with these values, e.g. {repo: web}. */
    tags: T.Optional(T.Record(TagKey, T.String({ minLength: 1, maxLength: 256 }), { maxProperties: 20 })),
  },
  { additionalProperties: false },
);

export type ScopeSpec = Static<typeof ScopeSchema>;

export const FailModeSchema = T.Union([T.Literal('closed'), T.Literal('open')]);
