import { isoTime } from '../../kernel/clock.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { isPlatformAdmin } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import type { GrantSpec, GrantStatus } from '../resources/kinds/grant.js';

/** A grant ends at most this long after it was requested (an exception, not a standing permission). */
export const MAX_GRANT_MS = 30 * 24 * 3_600_000;

/** The resource field each action names. */
const RESOURCE_FIELD = { invoke_model: 'model', call_tool: 'tool', read_secret: 'secret' } as const;

/** The one thing a grant is for: the Model/Route, `server__tool` or Secret name. */
export function grantResource(spec: GrantSpec): string | undefined {
  return spec.resource[RESOURCE_FIELD[spec.action]];
}

type Problem = { path: string; message: string };

/** What prepare.ts's Prepared needs of a Grant (no import of prepare.ts: it imports this file). */
export interface PreparedGrant {
  readonly spec: Record<string, unknown>;
  readonly status: unknown;
  readonly secret: undefined;
  readonly problems: Problem[];
}

function shapeProblems(spec: GrantSpec): Problem[] {
  const problems: Problem[] = [];
  const field = RESOURCE_FIELD[spec.action];
  const given = Object.keys(spec.resource).filter((k) => spec.resource[k as keyof GrantSpec['resource']] !== undefined);
  if (given.length !== 1 || given[0] !== field) {
    problems.push({ path: 'spec.resource', message: `action ${spec.action} needs exactly resource.${field} (got ${given.length === 0 ? 'none' : given.join(', ')})` });
  }
  const narrowed = (['agent', 'user', 'apiKey'] as const).filter((k) => spec.principal[k] !== undefined);
  if (narrowed.length > 1) problems.push({ path: 'spec.principal', message: `name at most one of agent, user or apiKey (got ${narrowed.join(', ')}); make one grant per principal` });
  return problems;
}

/** expiresAt is in the future and within MAX_GRANT_MS of the request. */
function expiryProblem(spec: GrantSpec, now: number, requestedAt: number): Problem | undefined {
  const at = Date.parse(spec.expiresAt);
  if (!Number.isFinite(at)) return { path: 'spec.expiresAt', message: `${spec.expiresAt} is not a date-time` };
  if (at <= now) return { path: 'spec.expiresAt', message: `${spec.expiresAt} is not in the future; a grant must end later than now` };
  if (at > requestedAt + MAX_GRANT_MS) {
    return { path: 'spec.expiresAt', message: `${spec.expiresAt} is more than 30 days after the grant was requested (${isoTime(requestedAt)}); longer access is a policy change, not a grant` };
  }
  return undefined;
}

/**
 * Grant lifecycle on apply (docs/grants.md). Create: expiresAt in the future and at most 30 days
 * ahead; a platform admin (the gantry.yaml system actor and the admin token included) with no
 * spec.approver, or naming themselves, approves it at once; anyone else's starts pending (approved
 * through POST /grants/{name}/approve). Only a platform admin sets spec.approver. Update:
 * principal/action/resource are immutable (registry); extending an approved grant's expiresAt or
 * changing its reason puts it back to pending unless a platform admin does it; a revoked or expired grant cannot be
 * extended. An unchanged spec keeps the stored status object (so the apply reports `unchanged`).
 */
export function prepareGrant(actor: Actor, spec: GrantSpec, existing: StoredResource | undefined, now: number): PreparedGrant {
  const out = (status: unknown, problems: Problem[]): PreparedGrant => ({ spec: spec as unknown as Record<string, unknown>, status, secret: undefined, problems });
  const problems = shapeProblems(spec);
  const admin = isPlatformAdmin(actor);
  const prev = existing?.spec as GrantSpec | undefined;
  const approverChanged = prev === undefined || prev.approver !== spec.approver;
  // Naming an approver delegates the approval, which only a platform admin may do: a requester who
  // picked their own approver (a colleague, a user not yet created) would approve their own request
  // by proxy and override platform policies. Removing one (back to any platform admin) is fine.
  if (!admin && approverChanged && spec.approver !== undefined) {
    const self = spec.approver === actor.user;
    problems.push({
      path: 'spec.approver',
      message: self
        ? 'you cannot approve your own grant; leave spec.approver empty: a platform admin other than you approves it'
        : 'only a platform admin names an approver; leave spec.approver empty: a platform admin other than you approves it',
    });
  }
  if (!existing || !prev) {
    const expiry = expiryProblem(spec, now, now);
    if (expiry) problems.push(expiry);
    const at = isoTime(now);
    const selfApproved = admin && (spec.approver === undefined || spec.approver === actor.user);
    const status: GrantStatus = selfApproved
      ? { state: 'approved', requestedBy: actor.id, requestedAt: at, approvedBy: actor.id, approvedAt: at }
      : { state: 'pending', requestedBy: actor.id, requestedAt: at };
    return out(status, problems);
  }
  const status = existing.status as GrantStatus;
  // The approver approved this reason: a new one from someone else is a new request.
  const reasonChanged = prev.reason !== spec.reason;
  if (prev.expiresAt === spec.expiresAt && !reasonChanged) return out(existing.status, problems);
  if (status.state === 'revoked' || status.state === 'expired') {
    if (prev.expiresAt !== spec.expiresAt) problems.push({ path: 'spec.expiresAt', message: `the grant is ${status.state}; request a new grant instead of extending this one` });
    return out(existing.status, problems);
  }
  if (prev.expiresAt !== spec.expiresAt) {
    const expiry = expiryProblem(spec, now, Date.parse(status.requestedAt));
    if (expiry) problems.push(expiry);
  }
  const extended = Date.parse(spec.expiresAt) > Date.parse(prev.expiresAt);
  if (status.state === 'approved' && (extended || reasonChanged) && !admin) {
    const { approvedBy: _by, approvedAt: _at, ...rest } = status;
    return out({ ...rest, state: 'pending' } satisfies GrantStatus, problems);
  }
  return out(existing.status, problems);
}
