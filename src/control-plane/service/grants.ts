import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess, isPlatformAdmin } from '../rbac/authorize.js';
import { type Actor, systemActor } from '../rbac/roles.js';
import type { GrantSpec, GrantStatus } from '../resources/kinds/grant.js';
import { renderResource, type RenderedResource } from '../resources/render.js';
import { auditDenied, type CallMeta, type ServiceDeps } from './deps.js';
import { rewrite } from './mutate.js';

/** The audit actor of the expiry sweep (every process runs it; one wins each grant). */
export const GRANT_EXPIRY_ACTOR = 'system:grant-expiry';

/** A revoked grant's status carries why, when the revoker said. */
type RevokedStatus = GrantStatus & { readonly revokeReason?: string };

const statusOf = (r: StoredResource) => r.status as GrantStatus;
const specOf = (r: StoredResource) => r.spec as GrantSpec;

/**
 * Grant approval, revocation and expiry (docs/grants.md); creation and edits go through apply
 * (prepare-grant.ts). Each change is one resource write plus its audit entry, in one commit.
 */
export function createGrantService(deps: ServiceDeps) {
  async function load(name: string): Promise<StoredResource> {
    const existing = await deps.store.get('Grant', name);
    if (!existing) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `Grant "${name}" does not exist. \`gantry grants list\` shows the grants you can see.`);
    return existing;
  }

  async function forbid(actor: Actor, meta: CallMeta, action: string, grant: StoredResource, why: string): Promise<never> {
    await auditDenied(deps, actor, meta, { action, kind: 'Grant', name: grant.name, team: grant.team });
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not ${why}.`);
  }

  return {
    /**
     * pending → approved: a platform admin who did not request it, or the user the grant names as
     * its approver (who did not request it either). It takes effect at once, in every process.
     */
    async approve(actor: Actor, name: string, meta: CallMeta): Promise<RenderedResource> {
      const grant = await load(name);
      const spec = specOf(grant);
      const status = statusOf(grant);
      const requester = actor.id === status.requestedBy;
      const named = spec.approver !== undefined && actor.user === spec.approver;
      if (requester || !(isPlatformAdmin(actor) || named)) {
        const who = spec.approver === undefined ? 'a platform admin' : `"${spec.approver}" or a platform admin`;
        await forbid(actor, meta, 'grants.approve', grant, `approve Grant "${name}": ${requester ? 'its requester cannot approve it' : `it is approved by ${who} other than its requester`}`);
      }
      if (status.state !== 'pending') throw new GatewayError('GW_LIFECYCLE_INVALID', `Grant "${name}" is ${status.state}; only a pending grant can be approved.`);
      const now = deps.clock.now();
      if (Date.parse(spec.expiresAt) <= now) {
        throw new GatewayError('GW_LIFECYCLE_INVALID', `Grant "${name}" expired at ${spec.expiresAt} before it was approved; request a new one (or extend spec.expiresAt first).`);
      }
      const next: GrantStatus = { ...status, state: 'approved', approvedBy: actor.id, approvedAt: isoTime(now) };
      return renderResource(await rewrite(deps, actor, grant, { spec: grant.spec, status: next, secret: grant.secret }, 'grants.approve', meta));
    },

    /** pending|approved → revoked: a platform admin, the requester, or a team admin of the grant's team. */
    async revoke(actor: Actor, name: string, reason: string | undefined, meta: CallMeta): Promise<RenderedResource> {
      const grant = await load(name);
      const status = statusOf(grant);
      // Platform admins and the grant's team admins (the RBAC rule for changing a Grant), or its requester.
      const mayChange = canAccess(actor, 'update', { kind: 'Grant', name, team: grant.team, spec: grant.spec });
      if (!(mayChange || actor.id === status.requestedBy)) {
        await forbid(actor, meta, 'grants.revoke', grant, `revoke Grant "${name}" (a platform admin, its requester or a team admin of "${grant.team}" can)`);
      }
      if (status.state === 'revoked') return renderResource(grant);
      if (status.state === 'expired') throw new GatewayError('GW_LIFECYCLE_INVALID', `Grant "${name}" has already expired; there is nothing to revoke.`);
      const next: RevokedStatus = { ...status, state: 'revoked', revokedBy: actor.id, revokedAt: isoTime(deps.clock.now()), ...(reason ? { revokeReason: reason } : {}) };
      return renderResource(await rewrite(deps, actor, grant, { spec: grant.spec, status: next, secret: grant.secret }, 'grants.revoke', meta));
    },

    /**
     * Marks approved grants past expiresAt as expired (audited `grants.expire`, actor
     * system:grant-expiry). Candidates come from this process's cache; each is re-read and written
     * with its generation, so when several processes sweep at once exactly one writes (the others'
     * conflict is expected and silent). The data plane stops honouring a grant at expiresAt on its
     * own; this records it. Returns the names this call expired.
     */
    async expireDue(): Promise<string[]> {
      const now = deps.clock.now();
      const due = (r: StoredResource) => statusOf(r)?.state === 'approved' && Date.parse(specOf(r).expiresAt) <= now;
      const expired: string[] = [];
      const actor = systemActor(GRANT_EXPIRY_ACTOR);
      for (const cached of [...deps.cached('Grant')].filter(due)) {
        const grant = await deps.store.get('Grant', cached.name);
        if (!grant || !due(grant)) continue;
        const next: GrantStatus = { ...statusOf(grant), state: 'expired', expiredAt: isoTime(now) };
        try {
          await rewrite(deps, actor, grant, { spec: grant.spec, status: next, secret: grant.secret }, 'grants.expire', { requestId: deps.newId('req_'), sourceIp: undefined });
          expired.push(grant.name);
        } catch (err) {
          if (!(err instanceof GatewayError && err.code === 'GW_RESOURCE_CONFLICT')) throw err;
        }
      }
      return expired;
    },
  };
}

export type GrantService = ReturnType<typeof createGrantService>;
