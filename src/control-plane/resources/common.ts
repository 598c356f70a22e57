import { Type as T } from '@sinclair/typebox';

export const API_VERSION = 'gantry/v1alpha1';

export const NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9._:/-]{0,127}$';
/** Names of identities (teams, users, agents, keys) are stricter: they appear in headers and paths. */
export const IDENT_PATTERN = '^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$';

export const Name = T.String({ pattern: NAME_PATTERN, description: 'letters, digits and . _ : / -, up to 128' });
export const Ident = T.String({ pattern: IDENT_PATTERN, description: 'lower-case letters, digits and . _ -, up to 63' });
export const EnvName = T.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
export const FromEnv = T.Object({ fromEnv: EnvName, default: T.Optional(T.String()) }, { additionalProperties: false });
export const Usd = T.String({ pattern: '^\\d{1,12}(\\.\\d{1,6})?$', description: 'decimal USD, e.g. "0.15"' });
export const Timestamp = T.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
  description: 'RFC 3339 date-time, e.g. 2027-01-31T00:00:00Z',
});

const LabelKey = T.String({ pattern: '^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$' });
const LabelValue = T.String({ pattern: '^[A-Za-z0-9._/-]{0,63}$' });
export const Labels = T.Record(LabelKey, LabelValue, { maxProperties: 64 });

/**
 * Metadata as applied. Server-set fields (generation, uid, timestamps, authors) are accepted and
 * ignored so that `gantry get -o yaml` output can be applied back unchanged.
 */
export function metadataSchema(name: typeof Name | typeof Ident) {
  return T.Object(
    {
      name,
      labels: T.Optional(Labels),
      generation: T.Optional(T.Integer()),
      uid: T.Optional(T.String()),
      createdAt: T.Optional(T.String()),
      updatedAt: T.Optional(T.String()),
      createdBy: T.Optional(T.String()),
      updatedBy: T.Optional(T.String()),
    },
    { additionalProperties: false },
  );
}

export const ServerMetadataFields = ['generation', 'uid', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy'] as const;
