import { Type as T } from '@sinclair/typebox';
import { GatewayError } from '../../kernel/errors/index.js';
import type { GrantService } from '../service/grants.js';
import { actorOf, jsonBody, metaOf, optionalString } from './request.js';
import type { AdminRoute } from './types.js';

const RevokeBody = T.Object({ reason: T.Optional(T.String({ maxLength: 1000 })) });

/**
 * Grant approval and revocation (docs/grants.md). A grant is requested with `POST /apply` (or
 * `gantry grants request`); approval, revocation and expiry are audited as grants.approve,
 * grants.revoke and grants.expire.
 */
export function grantRoutes(deps: { readonly grants: GrantService }): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: '/grants/{name}/approve',
      auth: 'authenticated',
      summary: 'Approve a pending grant (a platform admin other than the requester, or the user named in spec.approver); it takes effect at once.',
      async handle(req) {
        return { status: 200, body: await deps.grants.approve(actorOf(req), req.params.name as string, metaOf(req)) };
      },
    },
    {
      method: 'POST',
      path: '/grants/{name}/revoke',
      auth: 'authenticated',
      summary: 'Revoke a grant at once, in every process (a platform admin, the requester, or a team admin of its team).',
      requestSchema: RevokeBody,
      async handle(req) {
        const reason = optionalString(jsonBody(req), 'reason');
        if (reason !== undefined && reason.length > 1000) throw new GatewayError('GW_REQUEST_INVALID', 'reason must be at most 1000 characters.', { param: 'reason' });
        return { status: 200, body: await deps.grants.revoke(actorOf(req), req.params.name as string, reason, metaOf(req)) };
      },
    },
  ];
}
