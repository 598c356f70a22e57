import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema, Name, Timestamp } from '../common.js';

export const GRANT_ACTIONS = ['invoke_model', 'call_tool', 'read_secret'] as const;
export type GrantAction = (typeof GRANT_ACTIONS)[number];

/**
 * A time-bound, approved exception (docs/grants.md): lets one principal do one action on one resource
 * that policies, the agent's declaration or the key's model scope would otherwise refuse — e.g. a
 * restricted model during an incident. It takes effect when approved and ends at `expiresAt`, in every
 * process, without a restart; approval, revocation and expiry are audited. Budgets, rate limits and
 * guardrails still apply.
 */
export const GrantSpecSchema = T.Object(
  {
    /** Who: a team, narrowed to one agent, user or API key of that team when given. */
    principal: T.Object(
      {
        team: Ident,
        agent: T.Optional(Ident),
        user: T.Optional(Ident),
        apiKey: T.Optional(Ident),
      },
      { additionalProperties: false },
    ),
    action: T.Union(GRANT_ACTIONS.map((a) => T.Literal(a))),
    /** What: exactly one of model (a Model or Route name), tool (`server__tool`) or secret. */
    resource: T.Object(
      {
        model: T.Optional(Name),
        tool: T.Optional(T.String({ pattern: '^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?__[A-Za-z0-9_.-]{1,128}$' })),
        secret: T.Optional(Ident),
      },
      { additionalProperties: false },
    ),
    /** Why (an incident or ticket): required, kept in the audit log. */
    reason: T.String({ minLength: 3, maxLength: 1000 }),
    /** When the grant ends (at most 30 days after it is created). */
    expiresAt: Timestamp,
    /** The user who must approve it (else any platform admin other than the requester). */
    approver: T.Optional(Ident),
  },
  { additionalProperties: false },
);

export const GrantDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Grant'), metadata: metadataSchema(Ident), spec: GrantSpecSchema },
  { additionalProperties: false },
);

export type GrantSpec = Static<typeof GrantSpecSchema>;

export type GrantState = 'pending' | 'approved' | 'revoked' | 'expired';

/** Server-managed state of a grant (rendered under `status`). */
export interface GrantStatus {
  readonly state: GrantState;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  readonly revokedBy?: string;
  readonly revokedAt?: string;
  /** Set by the expiry sweep (audited once, by one process). */
  readonly expiredAt?: string;
}
