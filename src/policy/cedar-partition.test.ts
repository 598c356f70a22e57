import { describe, expect, it } from 'vitest';
import { compilePolicyEngine, type PolicySource } from './cedar-engine.js';
import { partitionByTeam, principalTeam } from './cedar-partition.js';
import { SETS_PER_ENGINE } from './cedar-preparsed.js';
import type { PolicyRequest, PrincipalType } from './types.js';

describe('principalTeam', () => {
  it('a principal scoped `in` or `is ... in` a Gantry::Team belongs to that team; anything else is global', () => {
    const scoped = (principal: string) => principalTeam(`forbid(${principal}, action, resource);`);
    expect(scoped('principal in Gantry::Team::"alpha"')).toBe('alpha');
    expect(scoped('principal is Gantry::Agent in Gantry::Team::"beta"')).toBe('beta');
    expect(scoped('principal')).toBeUndefined();
    expect(scoped('principal is Gantry::Agent')).toBeUndefined();
    expect(scoped('principal == Gantry::User::"u1"')).toBeUndefined();
    expect(scoped('principal in Gantry::User::"u1"')).toBeUndefined();
    expect(scoped('principal in Team::"alpha"')).toBeUndefined(); // another type (no namespace)
    expect(principalTeam('forbid(principal, action, resource) when { principal in Gantry::Team::"alpha" };')).toBeUndefined();
  });

  it('partitionByTeam keeps source order', () => {
    const p = partitionByTeam([
      { id: 'a1', text: 'forbid(principal in Gantry::Team::"a", action, resource);' },
      { id: 'g', text: 'forbid(principal, action, resource);' },
      { id: 'b', text: 'forbid(principal in Gantry::Team::"b", action, resource);' },
      { id: 'a2', text: 'forbid(principal is Gantry::User in Gantry::Team::"a", action, resource);' },
    ]);
    expect(p.global).toEqual(['g']);
    expect([...p.byTeam]).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b']],
    ]);
  });
});

const sources: PolicySource[] = [
  { name: 'alpha-no-large', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"alpha", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"sim-large");' },
  { name: 'alpha-agents-search-only', mode: 'dry-run', text: 'forbid(principal is Gantry::Agent in Gantry::Team::"alpha", action, resource) unless { context.toolNames.contains("search") };' },
  // Errors for alpha principals on sim-large (no `tier` tag); must never error for other teams.
  { name: 'alpha-gold', mode: 'enforce', text: 'forbid(principal in Gantry::Team::"alpha", action, resource) when { resource.getTag("tier") != "gold" };' },
  {
    name: 'beta-rules',
    mode: 'enforce',
    text: [
      'forbid(principal is Gantry::User in Gantry::Team::"beta", action, resource) when { context.dataClass == "restricted" };',
      'forbid(principal in Gantry::Team::"beta", action, resource) when { context.hour < 8 };',
      'forbid(principal, action == Gantry::Action::"call_tool", resource) when { context.tools };',
    ].join('\n'),
  },
  { name: 'beta-watch', mode: 'dry-run', text: 'forbid(principal is Gantry::ApiKey in Gantry::Team::"beta", action, resource);' },
  { name: 'restricted-self-hosted', mode: 'enforce', text: 'forbid(principal, action, resource) when { context.dataClass == "restricted" && !resource.selfHosted };' },
  { name: 'no-bot-tools', mode: 'enforce', text: 'forbid(principal == Gantry::Agent::"alpha", action == Gantry::Action::"call_tool", resource);' },
  { name: 'keys-tools', mode: 'dry-run', text: 'forbid(principal is Gantry::ApiKey, action, resource) when { context.tools };' },
  { name: 'u1-only', mode: 'enforce', text: 'forbid(principal in Gantry::User::"u1", action, resource) when { context.hour < 8 };' },
  { name: 'unnamespaced', mode: 'enforce', text: 'forbid(principal in Team::"alpha", action, resource);' },
  { name: 'gamma-in-condition', mode: 'dry-run', text: 'forbid(principal, action, resource) when { principal in Gantry::Team::"gamma" && context.dataClass == "restricted" };' },
];

function request(team: string, type: PrincipalType, id: string, action: 'invoke_model' | 'call_tool', model: string, restricted: boolean, hour: number, tools: boolean): PolicyRequest {
  return {
    principal: { type, id, team },
    action,
    resource: { type: 'Model', id: model, attrs: { provider: 'sim', providerType: 'simulator', selfHosted: model === 'sim-small', labels: model === 'sim-small' ? { tier: 'silver' } : {} } },
    context: { dataClass: restricted ? 'restricted' : 'internal', projectedSpendMicros: 10, budgetMicros: 0, hour, weekday: 3, tags: {}, tools, toolNames: tools ? ['search'] : [], promptTokens: 5, stream: false },
  };
}

function* matrix(teams: readonly string[]): Generator<PolicyRequest> {
  for (const team of teams)
    for (const type of ['Agent', 'User', 'ApiKey'] as const)
      for (const id of ['u1', 'alpha']) // `alpha` also names a team: types keep them apart
        for (const action of ['invoke_model', 'call_tool'] as const)
          for (const model of ['sim-large', 'sim-small'])
            for (const restricted of [false, true]) for (const hour of [6, 12]) for (const tools of [false, true]) yield request(team, type, id, action, model, restricted, hour, tools);
}

describe('per-team policy sets', () => {
  it('decide() equals evaluating the full set, over principals, teams, actions, enforce and dry-run', () => {
    const partitioned = compilePolicyEngine(sources);
    const full = compilePolicyEngine(sources, { partitionByTeam: false });
    const seen = { denied: new Set<string>(), wouldDeny: new Set<string>(), errors: new Set<string>() };
    let n = 0;
    for (const r of matrix(['alpha', 'beta', 'gamma', 'delta'])) {
      const d = partitioned.decide(r);
      expect(d, JSON.stringify(r)).toEqual(full.decide(r));
      for (const id of d.deniedBy) seen.denied.add(id);
      for (const id of d.wouldDenyBy) seen.wouldDeny.add(id);
      for (const id of d.errors) seen.errors.add(`${r.principal.team}:${id}`);
      n++;
    }
    expect(n).toBe(4 * 3 * 2 * 2 * 2 * 2 * 2 * 2);
    // The matrix exercises every policy that can match (so the comparison is not vacuous).
    expect([...seen.denied].sort()).toEqual(['alpha-gold', 'alpha-no-large', 'beta-rules.0', 'beta-rules.1', 'beta-rules.2', 'no-bot-tools', 'restricted-self-hosted', 'u1-only']);
    expect([...seen.wouldDeny].sort()).toEqual(['alpha-agents-search-only', 'beta-watch', 'gamma-in-condition', 'keys-tools']);
    expect([...seen.errors]).toEqual(['alpha:alpha-gold']);
  });

  it("a team's set holds the global policies and its own, never another team's", () => {
    const engine = compilePolicyEngine(sources);
    const global = ['beta-rules.2', 'restricted-self-hosted', 'no-bot-tools', 'keys-tools', 'u1-only', 'unnamespaced', 'gamma-in-condition'];
    expect(engine.size).toBe(13);
    expect(engine.policiesFor('alpha')).toEqual(['alpha-no-large', 'alpha-agents-search-only', 'alpha-gold', ...global]);
    expect(engine.policiesFor('beta')).toEqual(['beta-rules.0', 'beta-rules.1', 'beta-rules.2', 'beta-watch', 'restricted-self-hosted', 'no-bot-tools', 'keys-tools', 'u1-only', 'unnamespaced', 'gamma-in-condition']);
    expect(engine.policiesFor('gamma')).toEqual(global);
    expect(engine.policiesFor('nobody')).toEqual(global);
    expect(compilePolicyEngine(sources, { partitionByTeam: false }).policiesFor('alpha')).toHaveLength(13);
  });

  it('past the per-engine set bound, the remaining teams evaluate the full set and decide the same', () => {
    const teams = Array.from({ length: SETS_PER_ENGINE + 6 }, (_, i) => `t${i}`);
    const many: PolicySource[] = [
      ...teams.map((t, i) => ({ name: `only-${t}`, mode: 'enforce' as const, text: `forbid(principal in Gantry::Team::"${t}", action, resource) when { context.hour == ${i % 24} };` })),
      { name: 'global', mode: 'dry-run', text: 'forbid(principal, action, resource) when { context.tools };' },
    ];
    const engine = compilePolicyEngine(many);
    const full = compilePolicyEngine(many, { partitionByTeam: false });
    expect(engine.policiesFor('t0')).toEqual(['only-t0', 'global']);
    expect(engine.policiesFor(`t${SETS_PER_ENGINE - 3}`)).toEqual([`only-t${SETS_PER_ENGINE - 3}`, 'global']);
    expect(engine.policiesFor(`t${SETS_PER_ENGINE - 2}`)).toHaveLength(many.length); // overflow: full set
    expect(engine.policiesFor('other')).toEqual(['global']);
    for (const [i, team] of [...teams.entries(), [99, 'other'] as const]) {
      for (const tools of [false, true]) {
        const r = request(team, 'Agent', 'a', 'invoke_model', 'sim-small', false, i % 24, tools);
        const d = engine.decide(r);
        expect(d).toEqual(full.decide(r));
        expect(d.allowed).toBe(team === 'other');
      }
    }
  });
});
