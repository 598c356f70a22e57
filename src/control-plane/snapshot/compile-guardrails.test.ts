import { describe, expect, it } from 'vitest';
import { createValidator } from '../resources/validate.js';
import { compileGuardrail } from './compile-guardrails.js';

const doc = (spec: unknown) => ({ apiVersion: 'gantry/v1alpha1', kind: 'Guardrail', metadata: { name: 'g' }, spec });

describe('Guardrail kind', () => {
  const validate = createValidator();

  it('accepts a redacting PII guardrail and compiles its rules, defaults and scope', () => {
    const { valid, problems } = validate([doc({ action: 'redact', detectors: { pii: ['email', 'iban'], secrets: 'all' }, appliesTo: { teams: ['restricted'] } })]);
    expect(problems).toEqual([]);
    const g = compileGuardrail('g', valid[0]!.spec as never);
    expect([...g.stages]).toEqual(['input']);
    expect(g.rules.has('pii.email') && g.rules.has('pii.iban') && g.rules.has('secret.high_entropy')).toBe(true);
    expect(g.teams).toEqual(new Set(['restricted']));
    expect(g.models).toBeUndefined();
    expect(g.injectionThreshold).toBe(0.7);
  });

  it('compiles keywords lower-cased, the injection threshold and the webhook defaults', () => {
    const g = compileGuardrail('g', { action: 'block', detectors: { keywords: ['Merger', 'merger'], injection: { threshold: 0.5 } }, webhook: { url: 'http://x/check' } });
    expect(g.keywords).toEqual(['merger']);
    expect(g.rules.has('keyword') && g.rules.has('injection')).toBe(true);
    expect(g.injectionThreshold).toBe(0.5);
    expect(g.webhook).toEqual({ url: 'http://x/check', timeoutMs: 2_000, failOpen: true });
  });

  it('refuses a guardrail with nothing to do, jsonOutput on input, and redact with whole-text rules', () => {
    const paths = (spec: unknown) => validate([doc(spec)]).problems.map((p) => p.path);
    expect(paths({ action: 'flag', detectors: {} })).toEqual(['spec.detectors']);
    expect(paths({ action: 'block', detectors: { jsonOutput: true } })).toEqual(['spec.detectors.jsonOutput']);
    expect(paths({ action: 'redact', detectors: { injection: {}, keywords: ['x'] } })).toEqual(['spec.detectors.injection', 'spec.detectors.keywords']);
    expect(paths({ action: 'block', detectors: { pii: ['passport'] } })[0]).toMatch(/^spec\.detectors\.pii/);
  });
});
