import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { Actor, PlatformRole, TeamRole } from '../rbac/roles.js';
import type { UserSpec } from '../resources/kinds/user.js';
import type { UserSecret } from '../service/users.js';

/** Admin-API identities compiled with the snapshot: user token hash → user, and each user's roles. */
export interface Identities {
  readonly tokens: ReadonlyMap<string, { readonly user: string; readonly expiresAt: number }>;
  readonly actors: ReadonlyMap<string, Actor>;
}

export function compileIdentities(users: Iterable<StoredResource>): Identities {
  const tokens = new Map<string, { user: string; expiresAt: number }>();
  const actors = new Map<string, Actor>();
  for (const u of users) {
    const spec = u.spec as UserSpec;
    // A disabled user has no working token: refused within one snapshot propagation.
    if (spec.disabled) continue;
    actors.set(u.name, {
      id: `user:${u.name}`,
      user: u.name,
      platformRoles: new Set<PlatformRole>(spec.roles ?? []),
      teamRoles: new Map<string, TeamRole>((spec.teams ?? []).map((m) => [m.team, m.role])),
    });
    for (const t of (u.secret as UserSecret | undefined)?.tokens ?? []) tokens.set(t.hash, { user: u.name, expiresAt: t.expiresAt });
  }
  return { tokens, actors };
}
