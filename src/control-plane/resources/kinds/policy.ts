import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, metadataSchema, Name } from '../common.js';

/**
 * A Policy holds Cedar text (one or more `forbid` policies; Gantry adds the baseline permit). In
 * dry-run it never blocks but records "would deny" so a change can be watched before enforcing it.
 * Platform-level: only platform admins write Policies.
 */
export const PolicySpecSchema = T.Object(
  {
    mode: T.Optional(T.Union([T.Literal('enforce'), T.Literal('dry-run')], { default: 'enforce' })),
    description: T.Optional(T.String({ maxLength: 1000 })),
    /** Cedar policies in namespace Gantry (docs/policy.md); ids: @id, else the name (or name.n for several). */
    policy: T.String({ minLength: 1, maxLength: 65_536 }),
  },
  { additionalProperties: false },
);

export const PolicyDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Policy'), metadata: metadataSchema(Name), spec: PolicySpecSchema },
  { additionalProperties: false },
);

export type PolicySpec = Static<typeof PolicySpecSchema>;
export type PolicyDoc = Static<typeof PolicyDocSchema>;
