import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { constantTimeEqual } from '../../kernel/api-keys.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Actor } from '../rbac/roles.js';
import { systemActor } from '../rbac/roles.js';
import type { Identities } from '../snapshot/identities.js';

export interface AdminAuthDeps {
  readonly adminToken: string;
  readonly hashSecret: (secret: string) => string;
  readonly identities: () => Identities;
  readonly now: () => number;
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Resolves the bearer token of an admin request: the admin token (compared in constant time on
 * digests, so neither timing nor length leaks) or a user token (keyed hash → user, from the
 * compiled identities: no database read per request).
 */
export function createAdminAuth(deps: AdminAuthDeps) {
  const adminDigest = digest(deps.adminToken);
  const admin = systemActor('admin-token');
  return function authenticateAdmin(headers: IncomingHttpHeaders): Actor {
    const auth = headers.authorization ?? '';
    const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
    if (!token) throw new GatewayError('GW_ADMIN_AUTH_REQUIRED');
    if (constantTimeEqual(digest(token), adminDigest)) return admin;
    const ids = deps.identities();
    const tokenHash = deps.hashSecret(token);
    const hit = ids.tokens.get(tokenHash);
    const actor = hit ? ids.actors.get(hit.user) : undefined;
    if (!hit || !actor) throw new GatewayError('GW_ADMIN_AUTH_REQUIRED', 'The token is not valid (unknown, revoked, or its user is disabled). Run `gantry login` again.');
    if (hit.expiresAt <= deps.now()) throw new GatewayError('GW_ADMIN_AUTH_REQUIRED', 'The token has expired. Run `gantry login` again.');
    return { ...actor, tokenHash, tokenExpiresAt: hit.expiresAt };
  };
}
