import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema } from '../common.js';

export const TeamSpecSchema = T.Object(
  {
    displayName: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
    description: T.Optional(T.String({ maxLength: 2000 })),
    contacts: T.Optional(T.Array(T.String({ minLength: 3, maxLength: 320 }), { maxItems: 20 })),
    /** Response cache for this team's requests (default on where a model enables it); false: never read or write the cache. */
    cache: T.Optional(T.Object({ enabled: T.Boolean() }, { additionalProperties: false })),
    /** SSO: members of these identity-provider groups get this role in the team at login. */
    ssoGroups: T.Optional(
      T.Array(
        T.Object(
          { group: T.String({ minLength: 1, maxLength: 256 }), role: T.Union([T.Literal('team-admin'), T.Literal('developer')]) },
          { additionalProperties: false },
        ),
        { maxItems: 50 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TeamDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Team'), metadata: metadataSchema(Ident), spec: TeamSpecSchema },
  { additionalProperties: false },
);

export type TeamSpec = Static<typeof TeamSpecSchema>;
