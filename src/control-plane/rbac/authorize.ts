import type { ApiKeySpec } from '../resources/kinds/api-key.js';
import type { UserSpec } from '../resources/kinds/user.js';
import type { Kind } from '../resources/registry.js';
import type { Actor, TeamRole } from './roles.js';

export type Verb = 'read' | 'create' | 'update' | 'delete';

/** What is being touched: a resource of a kind, its owning team, and its spec (for per-object rules). */
export interface Target {
  readonly kind: Kind;
  readonly name: string;
  readonly team: string | undefined;
  readonly spec: unknown;
}

export const isPlatformAdmin = (a: Actor): boolean => a.platformRoles.has('platform-admin');
const roleIn = (a: Actor, team: string | undefined): TeamRole | undefined => (team === undefined ? undefined : a.teamRoles.get(team));

/**
 * The RBAC rules (docs/rbac.md), one place: platform-admin does everything; team-admin manages its
 * own team's keys, agents and memberships; developer manages its own keys and reads its team;
 * finops-viewer reads usage, teams, agents, models, routes, prices, budgets and rate limits; auditor reads
 * the audit log. Money (budgets, rate limits, price books, GPU pools) is written by platform admins
 * only: a team admin must not be able to raise their own team's budget.
 */
export function canAccess(actor: Actor, verb: Verb, target: Target): boolean {
  if (isPlatformAdmin(actor)) return true;
  const role = roleIn(actor, target.team);
  const finops = actor.platformRoles.has('finops-viewer');
  const member = actor.teamRoles.size > 0;
  switch (target.kind) {
    case 'Team':
      if (verb === 'read') return role !== undefined || finops;
      return verb === 'update' && role === 'team-admin';
    case 'Agent':
      if (verb === 'read') return role !== undefined || finops;
      return role === 'team-admin';
    case 'ApiKey': {
      if (role === 'team-admin') return true;
      const spec = target.spec as ApiKeySpec | undefined;
      // An agent's keys are service credentials: its team admins manage them, not individual developers.
      return role === 'developer' && actor.user !== undefined && spec?.user === actor.user && spec.agent === undefined;
    }
    case 'Grant':
      // Team admins request grants for their team's principals (pending until a platform admin approves).
      if (verb === 'read') return role !== undefined || finops || actor.platformRoles.has('auditor');
      return role === 'team-admin';
    case 'Secret':
    case 'McpServer':
    case 'Provider':
    case 'Model':
    case 'Route':
    case 'Guardrail':
    case 'Policy':
    case 'PriceBook':
    case 'GpuPool':
      return verb === 'read' && (member || finops);
    case 'Budget':
    case 'RateLimit':
      // Members of the scope's team read them; budgets without a team scope are platform-level.
      return verb === 'read' && (role !== undefined || finops);
    case 'User':
      return canAccessUser(actor, verb, target);
  }
}

function canAccessUser(actor: Actor, verb: Verb, target: Target): boolean {
  const spec = target.spec as UserSpec | undefined;
  if (verb === 'read') {
    if (actor.user === target.name) return true;
    return (spec?.teams ?? []).some((m) => actor.teamRoles.has(m.team));
  }
  // Team admins manage memberships of their teams (checked per membership by the apply service).
  if (verb === 'delete') return false;
  return [...actor.teamRoles.values()].includes('team-admin');
}

/** Teams whose resources a list may show this actor; undefined: every team. */
export function visibleTeams(actor: Actor, kind: Kind): string[] | undefined {
  if (isPlatformAdmin(actor)) return undefined;
  const finopsReadsAll = kind === 'Team' || kind === 'Agent' || kind === 'Budget' || kind === 'RateLimit' || kind === 'Grant';
  if (finopsReadsAll && actor.platformRoles.has('finops-viewer')) return undefined;
  // Auditors review every exception granted, whatever the team.
  if (kind === 'Grant' && actor.platformRoles.has('auditor')) return undefined;
  return [...actor.teamRoles.keys()];
}

/** Non-resource permissions. */
export function canReadUsage(actor: Actor): boolean {
  return isPlatformAdmin(actor) || actor.platformRoles.has('finops-viewer');
}

export function canReadAudit(actor: Actor): boolean {
  return isPlatformAdmin(actor) || actor.platformRoles.has('auditor');
}

export function teamsAdministeredBy(actor: Actor): Set<string> {
  return new Set([...actor.teamRoles].filter(([, r]) => r === 'team-admin').map(([t]) => t));
}
