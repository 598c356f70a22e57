import { describe, expect, it } from 'vitest';
import { builtinConfig } from './builtin.js';
import { parseConfigText } from './load.js';

const header = 'apiVersion: gantry/v1alpha1\n';
const provider = `${header}kind: Provider\nmetadata: {name: up}\nspec: {type: openai-compatible, baseUrl: "http://127.0.0.1:1/v1", apiKey: {fromEnv: UP_KEY}}\n`;

function problemsOf(text: string): string {
  try {
    parseConfigText(text, 'gantry.yaml');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('config loading', () => {
  it('accepts the built-in simulator config', () => {
    const c = builtinConfig();
    expect(c.models.map((m) => m.metadata.name)).toEqual(['sim-small', 'sim-large', 'sim-embed']);
    expect(c.providers[0]?.spec.type).toBe('simulator');
  });

  it('accepts a provider and a priced model', () => {
    const c = parseConfigText(
      `${provider}---\n${header}kind: Model\nmetadata: {name: gpt-4o-mini}\nspec: {provider: up, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}\n`,
      'x',
    );
    expect(c.models[0]?.spec.provider).toBe('up');
  });

  it('names the document, the field and what is expected', () => {
    const msg = problemsOf(
      `${provider}---\n${header}kind: Model\nmetadata: {name: m1}\nspec: {provider: up, pricing: {inputPer1M: 0.15, outputPer1M: "x"}}\n`,
    );
    expect(msg).toContain('document 2 (Model "m1")');
    expect(msg).toContain('spec.pricing.inputPer1M');
    expect(msg).toContain('spec.pricing.outputPer1M');
    expect(msg).toContain('decimal USD');
  });

  it('rejects unknown fields, unknown kinds and a wrong apiVersion', () => {
    expect(problemsOf(`${header}kind: Provider\nmetadata: {name: p}\nspec: {type: simulator, typo: 1}\n`)).toMatch(/spec\.typo.*unknown field|spec: unknown field/);
    expect(problemsOf(`${header}kind: Gadget\nmetadata: {name: p}\nspec: {}\n`)).toContain('unknown kind "Gadget"');
    expect(problemsOf('apiVersion: v1\nkind: Provider\nmetadata: {name: p}\nspec: {type: simulator}\n')).toContain('apiVersion');
  });

  it('rejects a clear-text API key with a pointer to fromEnv', () => {
    expect(problemsOf(`${header}kind: Provider\nmetadata: {name: p}\nspec: {type: openai-compatible, baseUrl: "http://x/v1", apiKey: sk-123}\n`)).toContain(
      'fromEnv',
    );
  });

  it('checks references, duplicates and pricing completeness', () => {
    const msg = problemsOf(
      `${provider}---\n${header}kind: Model\nmetadata: {name: a}\nspec: {provider: nope}\n---\n${header}kind: Model\nmetadata: {name: a}\nspec: {provider: up, pricing: {inputPer1M: "1"}}\n`,
    );
    expect(msg).toContain('unknown Provider "nope"');
    expect(msg).toContain('duplicate Model name');
    expect(msg).toContain('outputPer1M is required');
  });

  it('reports YAML syntax errors with a line number', () => {
    expect(problemsOf('apiVersion: gantry/v1alpha1\nkind: [\n')).toMatch(/line \d+/);
  });
});
