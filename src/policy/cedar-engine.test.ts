import { describe, expect, it } from 'vitest';
import { collectPolicies, compilePolicyEngine } from './cedar-engine.js';
import type { PolicyRequest } from './types.js';

function request(over: { team?: string; model?: string; selfHosted?: boolean; dataClass?: string; hour?: number; labels?: Record<string, string>; tags?: Record<string, string> } = {}): PolicyRequest {
  return {
    principal: { type: 'ApiKey', id: 'ci-key', team: over.team ?? 'research' },
    action: 'invoke_model',
    resource: {
      type: 'Model',
      id: over.model ?? 'sim-large',
      attrs: { provider: 'sim', providerType: 'simulator', selfHosted: over.selfHosted ?? false, labels: over.labels ?? {} },
    },
    context: {
      dataClass: over.dataClass ?? 'internal',
      projectedSpendMicros: 1000,
      budgetMicros: 0,
      hour: over.hour ?? 12,
      weekday: 3,
      tags: over.tags ?? {},
      tools: false,
      toolNames: [],
      promptTokens: 10,
      stream: false,
    },
  };
}

const forbidRestrictedLarge = 'forbid(principal in Gantry::Team::"restricted", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"sim-large");';

describe('compilePolicyEngine', () => {
  it('permits everything when no policy forbids (Gantry adds the baseline permit)', () => {
    const engine = compilePolicyEngine([{ name: 'no-large', text: forbidRestrictedLarge, mode: 'enforce' }]);
    expect(engine.size).toBe(1);
    expect(engine.decide(request({ team: 'research' }))).toEqual({ allowed: true, deniedBy: [], wouldDenyBy: [], errors: [] });
  });

  it('a forbid denies with the policy id (the resource name for a single policy)', () => {
    const engine = compilePolicyEngine([{ name: 'no-large', text: forbidRestrictedLarge, mode: 'enforce' }]);
    const d = engine.decide(request({ team: 'restricted' }));
    expect(d.allowed).toBe(false);
    expect(d.deniedBy).toEqual(['no-large']);
    expect(engine.decide(request({ team: 'restricted', model: 'sim-small' })).allowed).toBe(true);
  });

  it('forbid ... unless is an allow-list', () => {
    const text = 'forbid(principal in Gantry::Team::"research", action == Gantry::Action::"invoke_model", resource) unless { ["sim-small", "sim-medium"].contains(resource.name) };';
    const engine = compilePolicyEngine([{ name: 'approved-models', text, mode: 'enforce' }]);
    expect(engine.decide(request({ model: 'sim-small' })).allowed).toBe(true);
    expect(engine.decide(request({ model: 'sim-large' })).deniedBy).toEqual(['approved-models']);
  });

  it('dry-run policies never deny but report would-deny; enforced denials are not repeated there', () => {
    const engine = compilePolicyEngine([
      { name: 'no-large', text: forbidRestrictedLarge, mode: 'enforce' },
      { name: 'restricted-self-hosted', text: 'forbid(principal, action, resource) when { context.dataClass == "restricted" && !resource.selfHosted };', mode: 'dry-run' },
    ]);
    expect(engine.size).toBe(2);
    const d = engine.decide(request({ team: 'research', dataClass: 'restricted' }));
    expect(d).toEqual({ allowed: true, deniedBy: [], wouldDenyBy: ['restricted-self-hosted'], errors: [] });
    expect(engine.decide(request({ dataClass: 'restricted', selfHosted: true })).wouldDenyBy).toEqual([]);
    const both = engine.decide(request({ team: 'restricted', dataClass: 'restricted' }));
    expect(both.deniedBy).toEqual(['no-large']);
    expect(both.wouldDenyBy).toEqual(['restricted-self-hosted']);
  });

  it('only dry-run policies: nothing is ever denied', () => {
    const engine = compilePolicyEngine([{ name: 'watch', text: forbidRestrictedLarge, mode: 'dry-run' }]);
    expect(engine.decide(request({ team: 'restricted' }))).toEqual({ allowed: true, deniedBy: [], wouldDenyBy: ['watch'], errors: [] });
  });

  it('ids: <name>.<n> in text order for several policies, @id wins', () => {
    const text = Array.from({ length: 11 }, (_, i) => `forbid(principal, action, resource) when { context.promptTokens == ${i} };`).join('\n');
    const engine = compilePolicyEngine([
      { name: 'many', text, mode: 'enforce' },
      { name: 'named', text: '@id("night-shift") forbid(principal, action, resource) when { context.hour < 6 };', mode: 'enforce' },
    ]);
    expect(engine.decide({ ...request(), context: { ...request().context, promptTokens: 10 } }).deniedBy).toEqual(['many.10']);
    expect(engine.decide({ ...request(), context: { ...request().context, promptTokens: 2 } }).deniedBy).toEqual(['many.2']);
    expect(engine.decide({ ...request({ hour: 3 }), context: { ...request({ hour: 3 }).context, promptTokens: 99 } }).deniedBy).toEqual(["night-shift"]);
  });

  it('a duplicate id across Policy resources is a problem, and compile refuses it', () => {
    const sources = [
      { name: 'a', text: '@id("x") forbid(principal, action, resource);', mode: 'enforce' as const },
      { name: 'b', text: '@id("x") forbid(principal, action, resource);', mode: 'dry-run' as const },
    ];
    expect(collectPolicies(sources).problems.map((p) => [p.resource, p.message])).toEqual([['b', 'Policy id "x" is already used by Policy "a"; policy ids must be unique.']]);
    expect(() => compilePolicyEngine(sources)).toThrow(/already used by Policy "a"/);
  });

  it('a policy that errors at run time is skipped by Cedar and named in errors', () => {
    // `tier` label missing: getTag errors, so this forbid does not apply (Cedar's skip-on-error).
    const engine = compilePolicyEngine([{ name: 'gold-only', text: 'forbid(principal, action, resource) when { resource.getTag("tier") != "gold" };', mode: 'enforce' }]);
    expect(engine.decide(request())).toEqual({ allowed: true, deniedBy: [], wouldDenyBy: [], errors: ['gold-only'] });
    expect(engine.decide(request({ labels: { tier: 'silver' } })).deniedBy).toEqual(['gold-only']);
    expect(engine.decide(request({ labels: { tier: 'gold' } })).allowed).toBe(true);
  });

  it('request tags are "key=value" strings in Cedar', () => {
    const engine = compilePolicyEngine([{ name: 'no-atlas', text: 'forbid(principal, action, resource) when { context.tags.contains("project=atlas") };', mode: 'enforce' }]);
    expect(engine.decide(request({ tags: { project: 'atlas' } })).deniedBy).toEqual(['no-atlas']);
    expect(engine.decide(request({ tags: { project: 'other' } })).allowed).toBe(true);
  });

  it('several denying policies are named in source order (not Cedar\'s hash order)', () => {
    const names = Array.from({ length: 12 }, (_, i) => `p${String.fromCharCode(122 - i)}`);
    const engine = compilePolicyEngine(names.map((name, i) => ({ name, text: 'forbid(principal, action, resource);', mode: i % 3 === 0 ? 'dry-run' : 'enforce' })));
    const d = engine.decide(request());
    expect(d.deniedBy).toEqual(names.filter((_, i) => i % 3 !== 0));
    expect(d.wouldDenyBy).toEqual(names.filter((_, i) => i % 3 === 0));
  });

  it('two engines with different policies stay independent (pre-parsed sets keyed by content)', () => {
    const a = compilePolicyEngine([{ name: 'a', text: forbidRestrictedLarge, mode: 'enforce' }]);
    const b = compilePolicyEngine([{ name: 'b', text: 'forbid(principal, action, resource) when { context.hour > 20 };', mode: 'enforce' }]);
    expect(a.decide(request({ team: 'restricted' })).deniedBy).toEqual(['a']);
    expect(b.decide(request({ team: 'restricted' })).allowed).toBe(true);
    expect(b.decide(request({ hour: 22 })).deniedBy).toEqual(['b']);
  });
});
