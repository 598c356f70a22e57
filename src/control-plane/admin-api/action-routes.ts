import { Type as T } from '@sinclair/typebox';
import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import { LIFECYCLE_STATES } from '../resources/kinds/agent.js';
import { ApiKeySpecSchema } from '../resources/kinds/api-key.js';
import { verifyAuditChain } from '../audit/verify.js';
import { canReadAudit } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import type { createAgentLifecycle } from '../service/agents.js';
import type { createKeyService } from '../service/keys.js';
import { DEFAULT_GRACE_SECONDS, MAX_GRACE_SECONDS } from '../service/keys.js';
import type { createUserService } from '../service/users.js';
import type { ResourceStore } from '../../storage/ports/resource-store.js';
import { actorOf, intParam, jsonBody, metaOf, optionalInt, optionalString } from './request.js';
import type { AdminRoute } from './types.js';

export interface ActionRouteDeps {
  readonly keys: ReturnType<typeof createKeyService>;
  readonly transition: ReturnType<typeof createAgentLifecycle>;
  readonly users: ReturnType<typeof createUserService>;
  readonly store: ResourceStore;
  readonly auditKey: Buffer | undefined;
}

function requireRole(actor: Actor, allowed: boolean, what: string): void {
  if (!allowed) throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not ${what}.`);
}

const stringList = (body: Record<string, unknown>, name: string): string[] | undefined => {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new GatewayError('GW_REQUEST_INVALID', `${name} must be a list of strings.`, { param: name });
  return v as string[];
};

// Request bodies, for the OpenAPI document (the handlers check the same fields with clear messages).
const CreateKeyBody = T.Composite([T.Object({ name: T.Optional(T.String()), labels: T.Optional(T.Record(T.String(), T.String())) }), ApiKeySpecSchema]);
const RotateBody = T.Object({ gracePeriodSeconds: T.Optional(T.Integer({ minimum: 0, maximum: MAX_GRACE_SECONDS, default: DEFAULT_GRACE_SECONDS })) });
const LifecycleBody = T.Object({ to: T.Union(LIFECYCLE_STATES.map((s) => T.Literal(s))), reason: T.Optional(T.String()) });
const TokenBody = T.Object({ ttlHours: T.Optional(T.Integer({ minimum: 1, maximum: 8760, default: 12 })) });

function labelsOf(body: Record<string, unknown>): Record<string, string> | undefined {
  const v = body.labels;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new GatewayError('GW_REQUEST_INVALID', 'labels must be an object of string values.', { param: 'labels' });
  }
  return v as Record<string, string>;
}

/** Verbs beyond create-or-update: key lifecycle, agent lifecycle, user tokens, audit, whoami (usage: usage-routes.ts). */
export function actionRoutes(deps: ActionRouteDeps): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/whoami',
      auth: 'authenticated',
      summary: 'Who the token belongs to, with roles.',
      async handle(req) {
        const a = actorOf(req);
        return {
          status: 200,
          body: {
            actor: a.id,
            user: a.user ?? null,
            platformRoles: [...a.platformRoles],
            teams: [...a.teamRoles].map(([team, role]) => ({ team, role })),
            tokenExpiresAt: a.tokenExpiresAt === undefined ? null : isoTime(a.tokenExpiresAt),
          },
        };
      },
    },
    {
      method: 'POST',
      path: '/apikeys',
      auth: 'authenticated',
      summary: 'Create an API key; the secret is in this response only.',
      requestSchema: CreateKeyBody,
      async handle(req) {
        const b = jsonBody(req);
        const team = optionalString(b, 'team');
        if (!team) throw new GatewayError('GW_REQUEST_INVALID', 'team is required: the team the key belongs to.', { param: 'team' });
        const input = {
          team,
          name: optionalString(b, 'name'),
          agent: optionalString(b, 'agent'),
          user: optionalString(b, 'user'),
          description: optionalString(b, 'description'),
          expiresAt: optionalString(b, 'expiresAt'),
          models: stringList(b, 'models'),
          agents: stringList(b, 'agents'),
          labels: labelsOf(b),
        };
        const clean = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as typeof input;
        return { status: 201, body: await deps.keys.create(actorOf(req), clean, metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/apikeys/{name}/rotate',
      auth: 'authenticated',
      summary: 'Rotate a key: a new secret now; the old one keeps working for gracePeriodSeconds.',
      requestSchema: RotateBody,
      async handle(req) {
        const grace = optionalInt(jsonBody(req), 'gracePeriodSeconds', 0, MAX_GRACE_SECONDS) ?? DEFAULT_GRACE_SECONDS;
        return { status: 200, body: await deps.keys.rotate(actorOf(req), req.params.name as string, grace, metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/apikeys/{name}/revoke',
      auth: 'authenticated',
      summary: 'Revoke a key at once, in every process.',
      async handle(req) {
        return { status: 200, body: await deps.keys.revoke(actorOf(req), req.params.name as string, metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/agents/{name}/lifecycle',
      auth: 'authenticated',
      summary: 'Move an agent through proposed → approved → active ⇄ suspended → deprecated → retired.',
      requestSchema: LifecycleBody,
      async handle(req) {
        const b = jsonBody(req);
        const to = optionalString(b, 'to');
        if (!to) throw new GatewayError('GW_REQUEST_INVALID', '"to" is required.', { param: 'to' });
        return { status: 200, body: await deps.transition(actorOf(req), req.params.name as string, to, optionalString(b, 'reason'), metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/users/{name}/tokens',
      auth: 'authenticated',
      summary: 'Issue an admin API token for a user (platform admin, or the user themselves).',
      requestSchema: TokenBody,
      async handle(req) {
        const ttl = optionalInt(jsonBody(req), 'ttlHours', 1, 8760) ?? 12;
        return { status: 201, body: await deps.users.issueToken(actorOf(req), req.params.name as string, ttl, 'api', metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/auth/logout',
      auth: 'authenticated',
      summary: 'Revoke the user token this request is made with (gantry logout).',
      async handle(req) {
        return { status: 200, body: await deps.users.revokeToken(actorOf(req), metaOf(req)) };
      },
    },
    {
      method: 'GET',
      path: '/audit',
      auth: 'authenticated',
      query: { after: { description: 'Entries with a sequence number above this one (default 0).', type: 'integer' }, limit: { description: '1-1000 (default 100).', type: 'integer' } },
      summary: 'Audit entries after a sequence number (auditor, platform admin).',
      async handle(req) {
        const actor = actorOf(req);
        requireRole(actor, canReadAudit(actor), 'read the audit log');
        const limit = intParam(req.url, 'limit', 100, 1, 1000);
        const items = await deps.store.listAudit(intParam(req.url, 'after', 0, 0, Number.MAX_SAFE_INTEGER), limit);
        return { status: 200, body: { items, next: items.length === limit ? (items.at(-1)?.seq ?? null) : null } };
      },
    },
    {
      method: 'GET',
      path: '/audit/verify',
      auth: 'authenticated',
      summary: "Recompute the audit hash chain and every entry's seal (HMAC under the server key); name the first broken entry.",
      async handle(req) {
        const actor = actorOf(req);
        requireRole(actor, canReadAudit(actor), 'read the audit log');
        return { status: 200, body: await verifyAuditChain((after, limit) => deps.store.listAudit(after, limit), deps.auditKey) };
      },
    },
  ];
}
