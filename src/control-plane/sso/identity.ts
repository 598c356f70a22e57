import { GatewayError } from '../../kernel/errors/index.js';
import type { SsoIdentity } from './types.js';

export type Claims = Readonly<Record<string, unknown>>;

/** The claim at `name`, or, when no claim has that exact name, at the dotted path (`realm_access.roles`). */
export function readClaim(claims: Claims, name: string): unknown {
  if (name in claims) return claims[name];
  let cursor: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof cursor !== 'object' || cursor === null || Array.isArray(cursor)) return undefined;
    cursor = (cursor as Record<string, unknown>)[part];
  }
  return cursor;
}

function groupsFrom(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  const groups = list.filter((g): g is string | number => typeof g === 'string' || typeof g === 'number').map(String);
  return [...new Set(groups.filter((g) => g.length > 0))];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Claims the identity needs that the ID token lacks (then the userinfo endpoint is asked for them). */
export function missingClaims(claims: Claims, groupsClaim: string): boolean {
  return str(claims.email) === undefined || str(claims.name) === undefined || readClaim(claims, groupsClaim) === undefined;
}

/**
 * The identity from validated ID token claims (completed by userinfo claims). An email the provider says
 * is unverified is dropped: it must not be able to claim someone else's account.
 */
export function identityFromClaims(claims: Claims, groupsClaim: string): SsoIdentity {
  const issuer = str(claims.iss);
  const subject = str(claims.sub);
  if (issuer === undefined || subject === undefined) {
    throw new GatewayError('GW_SSO_FAILED', 'Single sign-on failed: the identity provider returned an ID token without iss or sub.');
  }
  return {
    issuer,
    subject,
    // Only a verified address identifies a person: some providers let users type any e-mail, and
    // Gantry links existing users by it.
    email: claims.email_verified === true ? str(claims.email) : undefined,
    name: str(claims.name),
    groups: groupsFrom(readClaim(claims, groupsClaim)),
  };
}
