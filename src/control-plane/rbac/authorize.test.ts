import { describe, expect, it } from 'vitest';
import { canAccess, visibleTeams } from './authorize.js';
import type { Actor, PlatformRole, TeamRole } from './roles.js';

const actor = (platform: PlatformRole[], teams: [string, TeamRole][] = []): Actor => ({
  id: 'user:x',
  user: 'x',
  platformRoles: new Set(platform),
  teamRoles: new Map(teams),
});
const admin = actor(['platform-admin']);
const finops = actor(['finops-viewer']);
const auditor = actor(['auditor']);
const teamAdmin = actor([], [['team-a', 'team-admin']]);
const developer = actor([], [['team-a', 'developer']]);
const outsider = actor([], [['team-b', 'team-admin']]);

const budgetOf = (team: string | undefined) => ({ kind: 'Budget' as const, name: 'b', team, spec: { scope: team ? { team } : {} } });

describe('RBAC for money kinds', () => {
  it('lets only platform admins create, change or delete budgets and rate limits — not the team admin of the team', () => {
    for (const kind of ['Budget', 'RateLimit'] as const) {
      const target = { ...budgetOf('team-a'), kind };
      for (const verb of ['create', 'update', 'delete'] as const) {
        expect(canAccess(admin, verb, target), `${kind} ${verb}`).toBe(true);
        for (const who of [teamAdmin, developer, finops, auditor]) expect(canAccess(who, verb, target), `${who.id} ${kind} ${verb}`).toBe(false);
      }
    }
  });

  it("lets members of the scope's team and finops read a team budget; others and team members of unscoped budgets cannot", () => {
    expect(canAccess(teamAdmin, 'read', budgetOf('team-a'))).toBe(true);
    expect(canAccess(developer, 'read', budgetOf('team-a'))).toBe(true);
    expect(canAccess(finops, 'read', budgetOf('team-a'))).toBe(true);
    expect(canAccess(finops, 'read', budgetOf(undefined))).toBe(true);
    expect(canAccess(outsider, 'read', budgetOf('team-a'))).toBe(false);
    expect(canAccess(developer, 'read', budgetOf(undefined))).toBe(false);
    expect(canAccess(auditor, 'read', budgetOf('team-a'))).toBe(false);
  });

  it('lets anyone with a team role, and finops, read price books and GPU pools; only platform admins write them', () => {
    for (const kind of ['PriceBook', 'GpuPool'] as const) {
      const target = { kind, name: 'p', team: undefined, spec: {} };
      for (const who of [teamAdmin, developer, outsider, finops]) expect(canAccess(who, 'read', target), `${who.id} ${kind}`).toBe(true);
      expect(canAccess(auditor, 'read', target)).toBe(false);
      for (const who of [teamAdmin, finops]) for (const verb of ['create', 'update', 'delete'] as const) expect(canAccess(who, verb, target)).toBe(false);
    }
  });

  it('shows finops every budget and rate limit in lists', () => {
    expect(visibleTeams(finops, 'Budget')).toBeUndefined();
    expect(visibleTeams(finops, 'RateLimit')).toBeUndefined();
    expect(visibleTeams(developer, 'Budget')).toEqual(['team-a']);
  });
});
