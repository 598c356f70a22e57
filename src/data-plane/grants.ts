import type { CompiledGrant, RuntimeSnapshot } from './snapshot.js';

/** The caller as a Grant's principal matches it. */
export interface GrantSubject {
  readonly team: string;
  readonly agent: string | undefined;
  readonly user: string | undefined;
  /** ApiKey resource name (principal.keyName). */
  readonly apiKey: string;
}

/**
 * The first active Grant that lets `who` do `action` on `resource` at `now` (docs/grants.md), or
 * undefined. A grant names a team and optionally narrows it to one agent, user or key; each field it
 * sets must match. Checked only after something refused (a policy, a declaration, a scope), so the
 * common request never pays for it.
 */
export function findGrant(snapshot: RuntimeSnapshot, who: GrantSubject, action: CompiledGrant['action'], resource: string, now: number): CompiledGrant | undefined {
  for (const g of snapshot.grants) {
    if (g.action !== action || g.resource !== resource || g.team !== who.team) continue;
    if (now < g.from || now >= g.until) continue;
    if (g.agent !== undefined && g.agent !== who.agent) continue;
    if (g.user !== undefined && g.user !== who.user) continue;
    if (g.apiKey !== undefined && g.apiKey !== who.apiKey) continue;
    return g;
  }
  return undefined;
}
