import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from '../../../test/helpers/cli-harness.js';
import { ArgsError } from '../args.js';
import { policyVerb, requestOf } from './policy-test.js';
import { parseCase } from './policy-test-load.js';

/** A temp dir (the harness's cwd) holding `files`; returns a runner for `gantry policy test <dir>`. */
function project(files: Record<string, string>) {
  const h = harness(() => new Response(null, { status: 500 }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(h.dir, 'pol', path, '..'), { recursive: true });
    writeFileSync(join(h.dir, 'pol', path), text);
  }
  return { h, run: (...extra: string[]) => h.run(policyVerb, ['test', 'pol', ...extra]) };
}

const NO_LARGE = `forbid (principal in Gantry::Team::"restricted", action == Gantry::Action::"invoke_model", resource == Gantry::Model::"sim-large");\n`;
const LATE_YAML = `apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: ignored}
spec: {}
---
apiVersion: gantry/v1alpha1
kind: Policy
metadata: {name: late}
spec:
  mode: dry-run
  policy: |
    forbid (principal, action == Gantry::Action::"invoke_model", resource)
    when { context.hour >= 19 };
`;
const key = (team: string) => `{type: ApiKey, id: k-${team}, team: ${team}}`;
const CASES = `- name: restricted may use sim-small
  principal: ${key('restricted')}
  action: invoke_model
  resource: {type: Model, id: sim-small}
  expect: allow
- name: restricted may not use sim-large
  principal: ${key('restricted')}
  action: invoke_model
  resource: {type: Model, id: sim-large}
  expect: deny
  reasons: [no-large]
- name: late requests would be denied
  principal: ${key('default')}
  action: invoke_model
  resource: {type: Model, id: sim-large}
  at: 2026-11-04T20:00:00Z
  expect: would_deny
  reasons: [late]
`;

describe('gantry policy test', () => {
  it('runs every case against .cedar files and Policy resources in YAML: exit 0, a line per case, a summary', async () => {
    const { h, run } = project({ 'no-large.cedar': NO_LARGE, 'resources.yaml': LATE_YAML, 'tests/basic.yaml': CASES });
    expect(await run(), h.out()).toBe(0);
    expect(h.out()).not.toContain('⚠');
    expect(h.out()).toContain('pol/tests/basic.yaml\n  ✓ restricted may use sim-small\n  ✓ restricted may not use sim-large\n  ✓ late requests would be denied\n');
    expect(h.out()).toContain('3 passed, 0 failed (2 policies, 1 test file)');
    expect(h.calls).toHaveLength(0);
  });

  it('a wrong expectation or wrong reasons fail the run with expected vs actual and the deciding ids', async () => {
    const wrong = `- name: sim-large is fine for restricted
  principal: ${key('restricted')}
  action: invoke_model
  resource: {type: Model, id: sim-large}
  expect: allow
- name: denied, but by which policy
  principal: ${key('restricted')}
  action: invoke_model
  resource: {type: Model, id: sim-large}
  expect: deny
  reasons: [something-else]
- name: a dry-run policy does not deny
  principal: ${key('default')}
  action: invoke_model
  resource: {type: Model, id: sim-small}
  at: 2026-11-04T21:00:00Z
  expect: deny
`;
    const { h, run } = project({ 'no-large.cedar': NO_LARGE, 'late.yaml': LATE_YAML, 'wrong.test.yaml': wrong, 'tests/ok.yaml': CASES });
    expect(await run()).toBe(1);
    const out = h.out();
    expect(out).toContain('  ✗ sim-large is fine for restricted\n      expected allow, got deny [no-large]\n');
    expect(out).toContain('  ✗ denied, but by which policy\n      expected deny [something-else], got deny [no-large]\n');
    expect(out).toContain('  ✗ a dry-run policy does not deny\n      expected deny, got would_deny [late]\n');
    expect(out).toContain('3 passed, 3 failed');
  });

  it('an invalid policy is reported at its file:line:column with Cedar message, and no case runs', async () => {
    const badYaml = `# a comment
apiVersion: gantry/v1alpha1
kind: Policy
metadata: {name: typo}
spec:
  policy: |
    forbid (principal, action == Gantry::Action::"invoke_model", resource)
    when { resource.nmae == "sim-large" };
`;
    const { h, run } = project({ 'typo.yaml': badYaml, 'broken.cedar': 'permit (principal, action, resource)\nforbid (principal action, resource);\n', 'tests/basic.yaml': CASES });
    expect(await run()).toBe(1);
    const out = h.out();
    // The syntax error: line 2 of the .cedar file, at the missing comma.
    expect(out).toMatch(/✗ pol\/broken\.cedar:2:\d+: policy "broken": .+/);
    // The schema error: line 8 of the YAML file (line 2 of the block), column of `resource.nmae` plus the block's indent.
    expect(out).toMatch(/✗ pol\/typo\.yaml:8:12: policy "typo": .*nmae/);
    expect(out).toContain('no test was run');
    expect(out).not.toContain('✓');
  });

  it('a policy that fails to evaluate on a case (missing attribute) is flagged even when the case passes', async () => {
    const hosted = `forbid (principal, action == Gantry::Action::"invoke_model", resource) when { !resource.selfHosted };\n`;
    const gantry = `kind: Provider\nmetadata: {name: oai}\nspec: {type: openai-compatible}\n---\nkind: Model\nmetadata: {name: known}\nspec: {provider: oai}\n`;
    const cases = `- name: unknown model, no attrs\n  principal: ${key('a')}\n  action: invoke_model\n  resource: {type: Model, id: stranger}\n  expect: allow\n- name: a model of gantry.yaml has its attributes\n  principal: ${key('a')}\n  action: invoke_model\n  resource: {type: Model, id: known}\n  expect: deny\n  reasons: [hosted]\n`;
    const { h, run } = project({ 'hosted.cedar': hosted, 'gantry.yaml': gantry, 'tests/a.yaml': cases });
    expect(await run(), h.out()).toBe(0);
    expect(h.out()).toContain('  ✓ unknown model, no attrs\n      ⚠ failed to evaluate, so skipped: hosted');
    expect(h.out()).toContain('  ✓ a model of gantry.yaml has its attributes\n');
  });

  it('a Model of the directory is self-hosted by the simulator only when every deployment is on one (as the gateway compiles it)', async () => {
    const hosted = `forbid (principal, action == Gantry::Action::"invoke_model", resource) when { !resource.selfHosted };\n`;
    const gantry = `kind: Provider\nmetadata: {name: sim}\nspec: {type: simulator}\n---\nkind: Provider\nmetadata: {name: oai}\nspec: {type: openai-compatible}\n---\nkind: Model\nmetadata: {name: local}\nspec: {provider: sim}\n---\nkind: Model\nmetadata: {name: mixed}\nspec: {deployments: [{provider: sim}, {provider: oai}]}\n`;
    const cases = ['local', 'mixed'].map((m, i) => `- name: ${m}\n  principal: ${key('a')}\n  action: invoke_model\n  resource: {type: Model, id: ${m}}\n  expect: ${i === 0 ? 'allow' : 'deny'}\n`).join('');
    const { h, run } = project({ 'hosted.cedar': hosted, 'gantry.yaml': gantry, 'tests/a.yaml': cases });
    expect(await run(), h.out()).toBe(0);
  });

  it('a policy id used twice across files is a problem', async () => {
    const twice = `apiVersion: gantry/v1alpha1\nkind: Policy\nmetadata: {name: other}\nspec:\n  policy: |\n    @id("no-large")\n    forbid (principal, action, resource == Gantry::Model::"x");\n`;
    const { h, run } = project({ 'no-large.cedar': NO_LARGE, 'other.yaml': twice, 'tests/basic.yaml': CASES });
    expect(await run()).toBe(1);
    expect(h.out()).toMatch(/policy id "no-large" is also used in pol\/no-large\.cedar/);
  });

  it('a malformed case fails by its name and says which field is wrong; a run with no case fails', async () => {
    const bad = `- name: no team\n  principal: {type: ApiKey, id: k}\n  action: invoke_model\n  resource: {type: Model, id: m}\n  expect: allow\n- name: floats\n  principal: ${key('a')}\n  action: invoke_model\n  resource: {type: Model, id: m}\n  context: {projectedSpendMicros: 1.5}\n  expect: allow\n`;
    const { h, run } = project({ 'no-large.cedar': NO_LARGE, 'tests/bad.yaml': bad });
    expect(await run()).toBe(1);
    expect(h.out()).toContain('  ✗ no team\n      invalid case: principal.team must be a non-empty string\n');
    expect(h.out()).toMatch(/✗ floats\n {6}invalid case: context\.projectedSpendMicros must be .*no floats/);

    const empty = project({ 'no-large.cedar': NO_LARGE });
    expect(await empty.run()).toBe(1);
    expect(empty.h.err()).toContain('no test cases found');
  });

  it('--junit writes one testsuite per test file with failure elements (escaped), and a validation suite', async () => {
    const failing = `- name: "<sim-large> & friends"\n  principal: ${key('restricted')}\n  action: invoke_model\n  resource: {type: Model, id: sim-large}\n  expect: allow\n`;
    const { h, run } = project({ 'no-large.cedar': NO_LARGE, 'late.yaml': LATE_YAML, 'tests/a.yaml': CASES, 'tests/b.yaml': failing });
    expect(await run('--junit', 'report.xml')).toBe(1);
    const xml = readFileSync(join(h.dir, 'report.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="gantry policy test" tests="4" failures="1" errors="0">/);
    expect(xml).toContain('<testsuite name="pol/tests/a.yaml" tests="3" failures="0" errors="0" skipped="0">');
    expect(xml).toContain('<testcase classname="pol/tests/a.yaml" name="restricted may not use sim-large"/>');
    expect(xml).toContain('<testsuite name="pol/tests/b.yaml" tests="1" failures="1"');
    expect(xml).toContain('<testcase classname="pol/tests/b.yaml" name="&lt;sim-large&gt; &amp; friends">\n      <failure message="expected allow, got deny [no-large]" type="PolicyTestFailure">');

    const broken = project({ 'broken.cedar': 'forbid (principal, action resource);', 'tests/a.yaml': CASES });
    expect(await broken.run('--junit', 'r.xml')).toBe(1);
    const xml2 = readFileSync(join(broken.h.dir, 'r.xml'), 'utf8');
    expect(xml2).toMatch(/<testsuite name="policy validation" tests="1" failures="1"[^>]*>\n {4}<testcase classname="policy validation" name="pol\/broken\.cedar:1:\d+ broken">\n {6}<failure message=/);
  });

  it('-o json prints the results as data', async () => {
    const { h, run } = project({ 'no-large.cedar': NO_LARGE, 'tests/a.yaml': CASES });
    expect(await run('-o', 'json')).toBe(1); // the `late` policy is not there: its case fails
    const body = JSON.parse(h.out());
    expect(body).toMatchObject({ policies: 1, passed: 2, failed: 1, problems: [] });
    expect(body.files[0].cases[2]).toMatchObject({ name: 'late requests would be denied', passed: false, expected: { decision: 'would_deny', reasons: ['late'] }, actual: { decision: 'allow', reasons: [] } });
  });

  it('usage errors (exit 2)', async () => {
    const { h, run } = project({ 'no-large.cedar': NO_LARGE });
    await expect(h.run(policyVerb, [])).rejects.toThrow(ArgsError);
    await expect(h.run(policyVerb, ['lint', 'pol'])).rejects.toThrow(/unknown subcommand "lint"/);
    await expect(h.run(policyVerb, ['test'])).rejects.toThrow(/missing <dir>/);
    await expect(h.run(policyVerb, ['test', 'nowhere'])).rejects.toThrow(/nowhere is not a directory/);
    await expect(run('-o', 'yaml')).rejects.toThrow(ArgsError);
  });
});

describe('a case as a PolicyRequest', () => {
  const base = { name: 'x', principal: { type: 'Agent', id: 'bot', team: 't' }, action: 'invoke_model', resource: { type: 'Model', id: 'm' }, expect: 'allow' };

  it('fills invoke_model context with the data plane defaults; `at` gives hour and weekday (Sunday = 7)', () => {
    const r = requestOf(parseCase({ ...base, at: '2026-11-08T23:15:00Z', context: { dataClass: 'restricted', tags: { project: 'atlas' } } }));
    expect(r.context).toEqual({ dataClass: 'restricted', projectedSpendMicros: 0, budgetMicros: 0, hour: 23, weekday: 7, tags: { project: 'atlas' }, tools: false, toolNames: [], promptTokens: 0, stream: false });
    expect(r.principal).toEqual({ type: 'Agent', id: 'bot', team: 't', attrs: { name: 'bot' } });
    expect(r.resource.attrs).toEqual({ name: 'm' });
    expect(requestOf(parseCase({ ...base, at: '2026-11-09T00:00:00Z' })).context.weekday).toBe(1);
  });

  it('a Model defined in the directory lends its attributes; the case\'s attrs win one by one', () => {
    const models = new Map([['m', { name: 'm', provider: 'oai', providerType: 'openai-compatible', selfHosted: false, labels: { tier: 'gold' } }]]);
    expect(requestOf(parseCase(base), models).resource.attrs).toEqual({ name: 'm', provider: 'oai', providerType: 'openai-compatible', selfHosted: false, labels: { tier: 'gold' } });
    expect(requestOf(parseCase({ ...base, resource: { type: 'Model', id: 'm', attrs: { selfHosted: true } } }), models).resource.attrs).toMatchObject({ provider: 'oai', selfHosted: true });
    expect(requestOf(parseCase({ ...base, resource: { type: 'Tool', id: 'm' } }), models).resource.attrs).toEqual({ name: 'm' });
  });

  it('passes other actions\' context as written', () => {
    const r = requestOf(parseCase({ ...base, action: 'call_tool', resource: { type: 'Tool', id: 'search' }, context: { dataClass: 'public' } }));
    expect(r.context).toEqual({ dataClass: 'public' });
  });
});
