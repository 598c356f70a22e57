import { describe, expect, it } from 'vitest';
import { compiledModel } from '../../../test/helpers/compiled.js';
import { createRng } from '../../providers/simulator/random.js';
import type { CompiledModel, RequestFeatures } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { compileRoutes } from './compile-routes.js';

const priced = (name: string, outputPer1M: number, type: 'chat' | 'embedding' = 'chat'): CompiledModel =>
  compiledModel({
    name,
    type,
    deployments: [],
    pricing: { free: false, prices: { inputPer1M: outputPer1M / 4, cachedInputPer1M: 0, cacheWritePer1M: 0, outputPer1M, perRequest: 0 }, version: 't' },
    limits: { maxOutputTokens: 4096, contextWindow: undefined },
  });
const MODELS = new Map([
  ['small', priced('small', 600_000)],
  ['large', priced('large', 10_000_000)],
  ['mid', priced('mid', 2_000_000)],
  ['embed', priced('embed', 0, 'embedding')],
]);
const route = (name: string, spec: Record<string, unknown>) => ({ kind: 'Route', name, spec }) as unknown as StoredResource;
const compile = (spec: Record<string, unknown>, random?: () => number) => {
  const r = compileRoutes([route('auto', spec)], MODELS, random ? { random } : {}).get('auto');
  if (!r) throw new Error('route left out');
  return r;
};

const F: RequestFeatures = {
  promptTokens: 100, turns: 1, messages: 1, tools: false, toolCount: 0, code: false, jsonMode: false, images: false,
  maxTokens: 0, task: '', agent: '', team: 'team-a', lastUser: 'hello', score: 0.1,
};

describe('Route decisions', () => {
  it('the first matching rule decides, with CEL over the features (ints compare as numbers)', () => {
    const r = compile({
      rules: [
        { name: 'long', when: 'promptTokens > 2000', model: 'large' },
        { name: 'agent-tools', when: 'tools && toolCount >= 3 || agent == "planner"', model: 'mid' },
        { name: 'proofs', when: 'lastUser.contains("prove") && score >= 0.2', model: 'large' },
      ],
      default: 'small',
    });
    expect(r.decide({ ...F, promptTokens: 2001 }, undefined)).toEqual({ model: 'large', reason: 'rule:long' });
    expect(r.decide({ ...F, promptTokens: 2000 }, undefined)).toEqual({ model: 'small', reason: 'default' });
    expect(r.decide({ ...F, tools: true, toolCount: 3 }, undefined)).toEqual({ model: 'mid', reason: 'rule:agent-tools' });
    expect(r.decide({ ...F, agent: 'planner', promptTokens: 5000 }, undefined)).toEqual({ model: 'large', reason: 'rule:long' });
    expect(r.decide({ ...F, lastUser: 'prove it', score: 0.25 }, undefined).reason).toBe('rule:proofs');
    expect(r.decide({ ...F, lastUser: 'prove it', score: 0.15 }, undefined).reason).toBe('default');
  });

  it('a rule that fails at run time does not match and does not fail the request', () => {
    const r = compile({
      rules: [
        { name: 'divides', when: 'promptTokens / (turns - 1) > 10', model: 'large' },
        { name: 'bad-regex', when: 'lastUser.matches("(")', model: 'large' },
      ],
      default: 'small',
    });
    expect(r.decide({ ...F, turns: 1 }, undefined)).toEqual({ model: 'small', reason: 'default' });
    expect(r.decide({ ...F, turns: 2, promptTokens: 100 }, undefined)).toEqual({ model: 'large', reason: 'rule:divides' });
  });

  it('the complexity score decides at its threshold, with the score in the reason', () => {
    const r = compile({ complexity: { threshold: 0.6, simple: 'small', complex: 'large' } });
    expect(r.decide({ ...F, score: 0.6 }, undefined)).toEqual({ model: 'large', reason: 'complexity:0.60>=0.6' });
    expect(r.decide({ ...F, score: 0.599 }, undefined)).toEqual({ model: 'small', reason: 'complexity:0.60<0.6' });
    expect(compile({ complexity: { simple: 'small', complex: 'large' } }).decide({ ...F, score: 0.5 }, undefined).reason).toBe('complexity:0.50>=0.5');
  });

  it('a split follows its weights (seeded), and a sticky key always gets the same model', () => {
    const r = compile({ split: [{ model: 'small', weight: 90 }, { model: 'large', weight: 10 }, { model: 'mid', weight: 0 }] }, createRng(42).next);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const d = r.decide(F, undefined);
      counts[d.model] = (counts[d.model] ?? 0) + 1;
      expect(d.reason).toBe(`split:${d.model}`);
    }
    // 10% of 10,000: the standard deviation is 30, so ±150 is five of them.
    expect(counts.large).toBeGreaterThan(1_000 - 150);
    expect(counts.large).toBeLessThan(1_000 + 150);
    expect(counts.mid).toBeUndefined();

    const sticky: Record<string, number> = {};
    for (let i = 0; i < 10_000; i++) {
      const key = `run:${i}`;
      const first = r.decide(F, key).model;
      for (let k = 0; k < 3; k++) expect(r.decide(F, key).model).toBe(first);
      sticky[first] = (sticky[first] ?? 0) + 1;
    }
    expect(sticky.large).toBeGreaterThan(1_000 - 150);
    expect(sticky.large).toBeLessThan(1_000 + 150);
  });

  it('rules come before the complexity score; default when nothing else decides', () => {
    const r = compile({ rules: [{ name: 'reasoning', when: 'task == "reasoning"', model: 'large' }], complexity: { simple: 'small', complex: 'mid' } });
    expect(r.decide({ ...F, task: 'reasoning', score: 0 }, undefined).reason).toBe('rule:reasoning');
    expect(r.decide({ ...F, score: 0.9 }, undefined).model).toBe('mid');
    expect(compile({ default: 'mid' }).decide(F, undefined)).toEqual({ model: 'mid', reason: 'default' });
  });
});

describe('compiling routes', () => {
  it('lists the targets once each; the baseline is spec.baseline, else complexity.complex, else the priciest target', () => {
    const r = compile({ rules: [{ name: 'a', when: 'tools', model: 'mid' }], complexity: { simple: 'small', complex: 'mid' }, default: 'small' });
    expect(r.targets).toEqual(['mid', 'small']);
    expect(r.baseline).toBe('mid');
    expect(compile({ complexity: { simple: 'small', complex: 'mid' }, baseline: 'large' }).baseline).toBe('large');
    expect(compile({ split: [{ model: 'small', weight: 1 }, { model: 'large', weight: 1 }, { model: 'mid', weight: 1 }] }).baseline).toBe('large');
    expect(compile({ default: 'small' }).sticky).toBe('run');
  });

  it('leaves out a route whose targets are not all compiled chat models, or that shares a Model name', () => {
    const routes = compileRoutes(
      [
        route('gone', { default: 'missing' }),
        route('embeds', { rules: [{ name: 'x', when: 'tools', model: 'embed' }], default: 'small' }),
        route('small', { default: 'large' }),
        route('fine', { default: 'small' }),
      ],
      MODELS,
    );
    expect([...routes.keys()]).toEqual(['fine']);
  });
});
