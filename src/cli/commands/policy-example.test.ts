import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../../../test/helpers/cli-harness.js';
import { startControlPlane, TEST_ADMIN_TOKEN } from '../../../test/helpers/control-plane.js';
import { policyVerb } from './policy-test.js';

const EXAMPLE = resolve(import.meta.dirname, '../../../examples/policy');

describe('examples/policy', () => {
  it('`gantry policy test examples/policy` passes: every example policy is valid and meets its tests', async () => {
    const h = harness(() => new Response(null, { status: 500 }));
    const code = await h.run(policyVerb, ['test', EXAMPLE]);
    expect(code, h.out() + h.err()).toBe(0);
    expect(h.calls).toHaveLength(0); // offline
    const summary = /(\d+) passed, 0 failed \((\d+) policies, (\d+) test files\)/.exec(h.out());
    expect(summary, h.out()).not.toBeNull();
    expect(Number(summary?.[2])).toBe(5);
    expect(Number(summary?.[3])).toBe(5);
    for (const id of ['approved-models', 'restricted-data', 'agent-tools', 'spend-over-budget', 'working-hours']) expect(h.out()).toContain(`tests/${id}.yaml`);
    // No case passes by luck: a policy that fails to evaluate (missing attribute) is flagged.
    expect(h.out()).not.toContain('⚠');
  });

  it('gantry.yaml applies as is: the Policies (enforce and dry-run) and the email-redacting Guardrail are valid resources', async () => {
    const cp = await startControlPlane();
    try {
      const res = await cp.call('POST', '/apply', TEST_ADMIN_TOKEN, readFileSync(resolve(EXAMPLE, 'gantry.yaml'), 'utf8'), 'application/yaml');
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const policies = await cp.call('GET', '/policies', TEST_ADMIN_TOKEN);
      const modes = Object.fromEntries((policies.body.items as { metadata: { name: string }; spec: { mode?: string } }[]).map((p) => [p.metadata.name, p.spec.mode]));
      expect(modes).toEqual({ 'agent-tools': 'enforce', 'approved-models': 'enforce', 'restricted-data': 'enforce', 'spend-over-budget': 'enforce', 'working-hours': 'dry-run' });
      const guardrail = await cp.call('GET', '/guardrails/redact-email', TEST_ADMIN_TOKEN);
      expect(guardrail.body.spec).toMatchObject({ stages: ['input'], action: 'redact', detectors: { pii: ['email'] } });
      expect(guardrail.body.spec.appliesTo).toBeUndefined(); // every team
    } finally {
      await cp.close();
    }
  });
});
