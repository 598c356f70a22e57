import { describe, expect, it } from 'vitest';
import { BUILTIN_CONFIG_YAML } from '../config/builtin.js';
import { parseResourceText } from './parse.js';
import { formatProblems } from './problems.js';
import { createValidator } from './validate.js';

const header = 'apiVersion: gantry/v1alpha1\n';
const provider = `${header}kind: Provider\nmetadata: {name: up}\nspec: {type: openai-compatible, baseUrl: "http://127.0.0.1:1/v1", apiKey: {fromEnv: UP_KEY}}\n`;
const validate = createValidator();

function check(text: string) {
  const parsed = parseResourceText(text);
  const { valid, problems } = validate(parsed.docs);
  return { valid, problems: [...parsed.problems, ...problems], message: formatProblems('gantry.yaml', [...parsed.problems, ...problems]) };
}

describe('resource validation', () => {
  it('accepts the built-in simulator resources', () => {
    const { valid, problems } = check(BUILTIN_CONFIG_YAML);
    expect(problems).toEqual([]);
    expect(valid.map((d) => `${d.kind}/${d.name}`)).toEqual(['Provider/simulator', 'Model/sim-small', 'Model/sim-large', 'Model/sim-embed']);
  });

  it('names the document, the field and what is expected, for every problem', () => {
    const { message } = check(`${provider}---\n${header}kind: Model\nmetadata: {name: m1}\nspec: {provider: up, pricing: {inputPer1M: 0.15, outputPer1M: "x"}}\n`);
    expect(message).toContain('document 2 (Model "m1")');
    expect(message).toContain('spec.pricing.inputPer1M');
    expect(message).toContain('spec.pricing.outputPer1M');
    expect(message).toContain('decimal USD');
  });

  it('rejects unknown fields, unknown kinds and a wrong apiVersion', () => {
    expect(check(`${header}kind: Provider\nmetadata: {name: p}\nspec: {type: simulator, typo: 1}\n`).message).toMatch(/spec\.typo: unknown field/);
    expect(check(`${header}kind: Gadget\nmetadata: {name: p}\nspec: {}\n`).message).toContain('unknown kind "Gadget"');
    expect(check('apiVersion: v1\nkind: Provider\nmetadata: {name: p}\nspec: {type: simulator}\n').message).toContain('apiVersion');
  });

  it('rejects a clear-text API key with a pointer to fromEnv', () => {
    expect(check(`${header}kind: Provider\nmetadata: {name: p}\nspec: {type: openai-compatible, baseUrl: "http://x/v1", apiKey: sk-123}\n`).message).toContain('fromEnv');
  });

  it('reports duplicates in one apply and incomplete pricing', () => {
    const { message } = check(`${provider}---\n${header}kind: Model\nmetadata: {name: a}\nspec: {provider: up}\n---\n${header}kind: Model\nmetadata: {name: a}\nspec: {provider: up, pricing: {inputPer1M: "1"}}\n`);
    expect(message).toContain('Model "a" is also defined in document 2');
    const pricing = check(`${header}kind: Model\nmetadata: {name: b}\nspec: {provider: up, pricing: {inputPer1M: "1"}}\n`);
    expect(pricing.message).toContain('outputPer1M is required');
  });

  it('rejects two deployments of one model with the same id (they would share a circuit breaker and x-gantry-route)', () => {
    const model = (deployments: string) => check(`${header}kind: Model\nmetadata: {name: m}\nspec: {pricing: {free: true}, deployments: ${deployments}}\n`);
    const same = model('[{provider: up, upstreamModel: x, priority: 0}, {provider: up, upstreamModel: x, priority: 1}]');
    expect(same.problems.map((p) => p.path)).toEqual(['spec.deployments[1]']);
    expect(same.message).toContain('"up/x"');
    expect(model('[{provider: up}, {provider: up}]').problems.map((p) => p.path)).toEqual(['spec.deployments[1]']);
    expect(model('[{name: a, provider: up}, {name: a, provider: other}]').problems.map((p) => p.path)).toEqual(['spec.deployments[1]']);
    expect(model('[{provider: up, upstreamModel: x}, {name: canary, provider: up, upstreamModel: x}]').problems).toEqual([]);
  });

  it('rejects routing settings that apply but could never work (cache degradation without a cache, fallback without fallbacks)', () => {
    const model = (extra: string) => check(`${header}kind: Model\nmetadata: {name: m}\nspec: {provider: up, pricing: {free: true}, ${extra}}\n`);
    expect(model('routing: {whenAllDown: cache}').problems.map((p) => p.path)).toEqual(['spec.routing.whenAllDown']);
    expect(model('routing: {whenAllDown: cache}, cache: {exact: {}}').problems).toEqual([]);
    expect(model('routing: {whenAllDown: fallback}').problems.map((p) => p.path)).toEqual(['spec.routing.whenAllDown']);
    expect(model('routing: {retries: {backoffMs: 5000, maxBackoffMs: 100}}').problems.map((p) => p.path)).toEqual(['spec.routing.retries.backoffMs']);
    const priced = check(`${header}kind: Model\nmetadata: {name: m}\nspec: {pricing: {free: true}, deployments: [{provider: up, pricing: {inputPer1M: "1"}}]}\n`);
    expect(priced.problems.map((p) => p.path)).toEqual(["spec.deployments[0].pricing"]); // a chat deployment needs outputPer1M
  });

  it('requires an agent owner and checks identity names', () => {
    const { problems } = check(`${header}kind: Agent\nmetadata: {name: Bad_Name}\nspec: {description: x}\n`);
    expect(problems.map((p) => p.path).sort()).toEqual(['metadata.name', 'spec.owner']);
    expect(problems.find((p) => p.path === 'spec.owner')?.message).toBe('required');
  });

  it('accepts get -o yaml output back (server-set metadata is ignored)', () => {
    const { valid, problems } = check(`${header}kind: Team\nmetadata: {name: payments, generation: 3, uid: res_1, createdAt: "2026-01-01T00:00:00.000Z", createdBy: admin-token}\nspec: {displayName: Payments}\nstatus: {lastSeenAt: x}\n`);
    expect(problems).toEqual([]);
    expect(valid[0]?.name).toBe('payments');
  });

  it('reports YAML syntax errors with a line number, and JSON too', () => {
    expect(check('apiVersion: gantry/v1alpha1\nkind: [\n').message).toMatch(/line \d+/);
    expect(check('{"apiVersion": ').message).toContain('JSON syntax error');
  });

  it('reports an unresolved YAML alias as a problem without quoting it (an unquoted Secret value starting with *)', () => {
    const { problems, message } = check(`${header}kind: Secret\nmetadata: {name: s}\nspec:\n  value: *sk-alias-secret-123\n`);
    expect(problems.map((p) => p.document)).toEqual(['document 1']);
    expect(message).toContain('YAML alias error');
    expect(message).not.toContain('sk-alias-secret-123');
  });

  it('refuses an oversized document', () => {
    const big = `${header}kind: Team\nmetadata: {name: big}\nspec: {description: "${'x'.repeat(300_000)}"}\n`;
    expect(check(big).message).toMatch(/at most 262144 bytes/);
  });
});

describe('hostile input', () => {
  it('refuses deeply nested documents with a problem instead of overflowing the stack', () => {
    const json = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    expect(check(json).message).toContain('nested more than 32 levels');
    const yaml = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(check(yaml).problems.length).toBeGreaterThan(0);
  });

  it('refuses an expiry date that does not exist', () => {
    const { problems } = check(`${header}kind: ApiKey\nmetadata: {name: k}\nspec: {team: t, expiresAt: "2027-02-31T00:00:00Z"}\n`);
    expect(problems[0]).toMatchObject({ path: 'spec.expiresAt', message: expect.stringContaining('no such day') });
  });
});
