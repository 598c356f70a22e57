import { describe, expect, it } from 'vitest';
import { compilePolicyEngine } from './cedar-engine.js';
import type { PolicyAction } from './types.js';

const engineOf = (...texts: string[]) => compilePolicyEngine(texts.map((text, i) => ({ name: `p${i}`, text, mode: 'enforce' as const })));
const covered = (texts: string[], actions: PolicyAction[] = ['invoke_model', 'call_tool', 'read_secret', 'admin_apply']) => {
  const engine = engineOf(...texts);
  return actions.filter((a) => engine.coversAction(a));
};

describe('PolicyEngine.coversAction', () => {
  it('an unconstrained action and resource scope covers every action', () => {
    expect(covered(['forbid(principal in Gantry::Team::"x", action, resource);'])).toEqual(['invoke_model', 'call_tool', 'read_secret', 'admin_apply']);
  });

  it('action == X and action in [X, Y] cover exactly those listed', () => {
    expect(covered(['forbid(principal, action == Gantry::Action::"invoke_model", resource);'])).toEqual(['invoke_model']);
    expect(covered(['forbid(principal, action in [Gantry::Action::"read_secret", Gantry::Action::"call_tool"], resource);'])).toEqual(['call_tool', 'read_secret']);
    expect(covered(['forbid(principal, action in Gantry::Action::"read_secret", resource);'])).toEqual(['read_secret']);
  });

  it('a resource scope of one type rules out the actions on other types (admin actions take any type)', () => {
    expect(covered(['forbid(principal, action, resource == Gantry::Model::"big");'])).toEqual(['invoke_model', 'admin_apply']);
    expect(covered(['forbid(principal, action, resource is Gantry::Secret);'])).toEqual(['read_secret', 'admin_apply']);
    expect(covered(['forbid(principal, action, resource is Gantry::Tool in Gantry::Tool::"demo__x");'])).toEqual(['call_tool', 'admin_apply']);
  });

  it('is the union over every policy, dry-run ones included', () => {
    const engine = compilePolicyEngine([
      { name: 'models', text: 'forbid(principal, action == Gantry::Action::"invoke_model", resource);', mode: 'enforce' },
      { name: 'secrets', text: 'forbid(principal, action == Gantry::Action::"read_secret", resource) when { context.tags.contains("env=prod") };', mode: 'dry-run' },
    ]);
    expect(engine.coversAction('invoke_model')).toBe(true);
    expect(engine.coversAction('read_secret')).toBe(true);
    expect(engine.coversAction('call_tool')).toBe(false);
  });

  it('an action it does not cover is allowed by decide() whatever the request (what callers rely on to skip it)', () => {
    const engine = engineOf('forbid(principal, action, resource == Gantry::Model::"big");', 'forbid(principal, action == Gantry::Action::"call_tool", resource);');
    expect(engine.coversAction('read_secret')).toBe(false);
    const d = engine.decide({ principal: { type: 'ApiKey', id: 'k', team: 't' }, action: 'read_secret', resource: { type: 'Secret', id: 'openai-prod' }, context: { tags: {} } });
    expect(d.allowed).toBe(true);
    const engine2 = engineOf('forbid(principal, action, resource is Gantry::Secret);');
    expect(engine2.coversAction('read_secret')).toBe(true);
    expect(engine2.decide({ principal: { type: 'ApiKey', id: 'k', team: 't' }, action: 'read_secret', resource: { type: 'Secret', id: 'openai-prod' }, context: { tags: {} } }).deniedBy).toEqual(['p0']);
  });
});
