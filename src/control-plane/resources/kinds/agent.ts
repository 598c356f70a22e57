import { type Static, Type as T } from '@sinclair/typebox';
import { API_VERSION, Ident, metadataSchema, Name } from '../common.js';

export const LIFECYCLE_STATES = ['proposed', 'approved', 'active', 'suspended', 'deprecated', 'retired'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

/** proposed → approved → active ⇄ suspended → deprecated → retired (and deprecated from active). */
export const LIFECYCLE_TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  proposed: ['approved', 'retired'],
  approved: ['active', 'retired'],
  active: ['suspended', 'deprecated'],
  suspended: ['active', 'deprecated'],
  deprecated: ['retired'],
  retired: [],
};

/** Keys of an agent in these states work; in any other they are refused at once. */
export const SERVING_STATES: ReadonlySet<LifecycleState> = new Set(['active', 'deprecated']);

export const AgentSpecSchema = T.Object(
  {
    /** The owning team (required): it pays, and its admins manage the agent. */
    owner: Ident,
    /** The accountable person (a User). */
    sponsor: T.Optional(Ident),
    description: T.Optional(T.String({ maxLength: 2000 })),
    lifecycle: T.Optional(T.Union(LIFECYCLE_STATES.map((s) => T.Literal(s)))),
    /** Models the agent may call (absent: any model its keys allow). */
    models: T.Optional(T.Array(Name, { maxItems: 500, uniqueItems: true })),
    /** Tools (MCP) the agent may use; enforced by the MCP gateway. */
    tools: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 256 }), { maxItems: 500, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const AgentDocSchema = T.Object(
  { apiVersion: T.Literal(API_VERSION), kind: T.Literal('Agent'), metadata: metadataSchema(Ident), spec: AgentSpecSchema },
  { additionalProperties: false },
);

export type AgentSpec = Static<typeof AgentSpecSchema>;

export interface LifecycleEvent {
  readonly from: LifecycleState | null;
  readonly to: LifecycleState;
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

export interface AgentStatus {
  readonly history: readonly LifecycleEvent[];
  readonly approvedBy?: string;
  readonly approvedAt?: string;
}
