/** Roles (docs/rbac.md). Platform-wide roles are held by a user; team roles are held per team. */
export const PLATFORM_ROLES = ['platform-admin', 'finops-viewer', 'auditor'] as const;
export const TEAM_ROLES = ['team-admin', 'developer'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];
export type TeamRole = (typeof TEAM_ROLES)[number];
export type Role = PlatformRole | TeamRole;

/** Who is calling the admin API, resolved from the bearer token. */
export interface Actor {
  /** Audit name: `admin-token`, `user:alice`, `system:gantry.yaml`. */
  readonly id: string;
  /** The User resource name, when the caller is a user. */
  readonly user: string | undefined;
  readonly platformRoles: ReadonlySet<PlatformRole>;
  /** team → role in that team. */
  readonly teamRoles: ReadonlyMap<string, TeamRole>;
  /** Keyed hash of the user token this request came with (for logout). */
  readonly tokenHash?: string;
  /** When that token expires (epoch ms): tokens it mints for its own user never outlive it. */
  readonly tokenExpiresAt?: number;
}

export function systemActor(id: string): Actor {
  return { id, user: undefined, platformRoles: new Set(['platform-admin']), teamRoles: new Map() };
}
