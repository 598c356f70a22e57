import { describe, expect, it } from 'vitest';
import { lineColumn, parsePolicyResource, validatePolicyText } from './cedar-parse.js';

describe('validatePolicyText', () => {
  it('accepts a policy that fits the Gantry schema', () => {
    expect(validatePolicyText('ok', 'forbid(principal in Gantry::Team::"restricted", action == Gantry::Action::"invoke_model", resource) unless { resource.selfHosted || context.dataClass == "public" };')).toEqual([]);
  });

  it('a syntax error has line:column and what Cedar expected', () => {
    const problems = validatePolicyText('bad', 'forbid(principal, action, resource)\n  when { context.hour > };');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 2, column: 25 });
    expect(problems[0]?.message).toMatch(/unexpected token/);
    expect(problems[0]?.help).toMatch(/expected/);
  });

  it('an unknown attribute is a schema error with Cedar hint and the Gantry policy id', () => {
    const problems = validatePolicyText('typo', 'permit(principal, action, resource);\nforbid(principal, action == Gantry::Action::"invoke_model", resource)\n  when { resource.nmae == "x" };');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ policy: 'typo.1', line: 3, column: 10, help: 'did you mean `name`?' });
    expect(problems[0]?.message).toMatch(/^attribute `nmae` on entity type `Gantry::\w+` not found$/);
  });

  it('a wrong type is a schema error', () => {
    const problems = validatePolicyText('hours', 'forbid(principal, action == Gantry::Action::"invoke_model", resource) when { context.hour == "9" };');
    expect(problems.map((p) => p.message).join()).toMatch(/Long and String/);
  });

  it('an empty text and duplicate @id are problems', () => {
    expect(validatePolicyText('empty', '// nothing')[0]?.message).toMatch(/no Cedar policy/);
    expect(parsePolicyResource('d', '@id("x") forbid(principal, action, resource);\n@id("x") forbid(principal, action, resource);').problems[0]?.message).toMatch(/unique/);
  });
});

describe('lineColumn', () => {
  it('is 1-based', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
