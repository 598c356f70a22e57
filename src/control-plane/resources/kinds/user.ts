import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema } from '../common.js';

export const UserSpecSchema = T.Object(
  {
    email: T.Optional(T.String({ pattern: '^[^@\\s]+@[^@\\s]+$', maxLength: 320 })),
    displayName: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
    /** Platform-wide roles. */
    roles: T.Optional(
      T.Array(T.Union([T.Literal('platform-admin'), T.Literal('finops-viewer'), T.Literal('auditor')]), { maxItems: 3, uniqueItems: true }),
    ),
    /** Team memberships, one role per team. */
    teams: T.Optional(
      T.Array(
        T.Object({ team: Ident, role: T.Union([T.Literal('team-admin'), T.Literal('developer')]) }, { additionalProperties: false }),
        { maxItems: 200 },
      ),
    ),
    /** A disabled user's tokens stop working at once. */
    disabled: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);

export const UserDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('User'), metadata: metadataSchema(Ident), spec: UserSpecSchema },
  { additionalProperties: false },
);

export type UserSpec = Static<typeof UserSpecSchema>;
