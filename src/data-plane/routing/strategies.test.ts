import { describe, expect, it } from 'vitest';
import { compiledModel } from '../../../test/helpers/compiled.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { Provider } from '../../providers/contract.js';
import { createRng } from '../../providers/simulator/random.js';
import type { CompiledDeployment, CompiledModel, CompiledRouting } from '../snapshot.js';
import { DEFAULT_ROUTING } from './defaults.js';
import type { HealthView } from './deployment-health.js';
import { chatNeeds, estimatedCost, meetsNeeds, orderDeployments, type RequestNeeds } from './strategies.js';
import { stickyDraw } from './weighted-pick.js';

const provider = {} as Provider;
const PRICE = (input: number, output: number) => ({ free: false as const, prices: { inputPer1M: input, cachedInputPer1M: input, cacheWritePer1M: input, outputPer1M: output, perRequest: 0 }, version: 't' });

function dep(id: string, over: Partial<CompiledDeployment> = {}): CompiledDeployment {
  return {
    provider,
    target: { id, provider: 'p', upstreamModel: id, timeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1 }, faults: undefined },
    weight: 1,
    priority: 0,
    pricing: PRICE(1_000_000, 1_000_000),
    limits: { maxOutputTokens: 4096, contextWindow: undefined },
    capabilities: { tools: true, vision: true, jsonMode: true },
    ...over,
  };
}

function model(deployments: CompiledDeployment[], routing: Partial<CompiledRouting> = {}): CompiledModel {
  return compiledModel({ name: 'm', type: 'chat', deployments: [], pricing: undefined, limits: { maxOutputTokens: 4096, contextWindow: undefined } }, { deployments, routing: { ...DEFAULT_ROUTING, ...routing } });
}

function view(stats: Record<string, { inFlight?: number; ewmaLatencyMs?: number; ewmaTtftMs?: number }> = {}, down: string[] = []): HealthView {
  return {
    available: (_m, d) => !down.includes(d),
    stats: (_m, d) => (stats[d] ? { inFlight: stats[d].inFlight ?? 0, ewmaLatencyMs: stats[d].ewmaLatencyMs, ewmaTtftMs: stats[d].ewmaTtftMs } : undefined),
  };
}

const NO_NEEDS: RequestNeeds = { promptTokens: 10, maxTokens: 0, tools: false, images: false, jsonMode: false };
const ids = (ds: CompiledDeployment[]) => ds.map((d) => d.target.id);
const order = (m: CompiledModel, over: { health?: HealthView; needs?: RequestNeeds; stickyKey?: string; rng?: () => number; stream?: boolean } = {}) =>
  ids(orderDeployments({ model: m, stream: over.stream ?? false, needs: () => over.needs ?? NO_NEEDS, stickyKey: over.stickyKey, health: over.health ?? view(), rng: over.rng ?? (() => 0) }));

describe('priority', () => {
  it('keeps the compiled (priority) order and leaves out deployments whose breaker refuses', () => {
    const m = model([dep('a'), dep('b'), dep('c')]);
    expect(order(m)).toEqual(['a', 'b', 'c']);
    expect(order(m, { health: view({}, ['a']) })).toEqual(['b', 'c']);
    expect(order(m, { health: view({}, ['a', 'b', 'c']) })).toEqual([]);
  });
});

describe('weighted', () => {
  const canary = model([dep('stable', { weight: 90 }), dep('canary', { weight: 10, priority: 1 })], { strategy: 'weighted' });

  it('splits 90/10 over 10,000 picks (fixed seed), the other deployment as fallback', () => {
    const rng = createRng(42);
    const firsts = { stable: 0, canary: 0 };
    for (let i = 0; i < 10_000; i++) {
      const o = order(canary, { rng: rng.next });
      expect(o).toHaveLength(2);
      firsts[o[0] as 'stable' | 'canary']++;
    }
    // 3 standard deviations of a binomial(10000, 0.1) are 90.
    expect(Math.abs(firsts.canary - 1_000)).toBeLessThan(90);
  });

  it('never first-picks a weight-0 deployment, but keeps it as a fallback', () => {
    const m = model([dep('a', { weight: 0 }), dep('b', { weight: 1, priority: 1 })], { strategy: 'weighted' });
    for (const draw of [0, 0.3, 0.999_999]) expect(order(m, { rng: () => draw })).toEqual(['b', 'a']);
  });

  it('is sticky per key: the same key always lands on the same deployment, keys spread by weight', () => {
    const m = model([dep('a'), dep('b', { priority: 1 })], { strategy: 'weighted', sticky: 'run' });
    const first = (key: string) => order(m, { stickyKey: key, rng: () => Math.random() })[0];
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 2_000; i++) {
      const key = `run-${i}`;
      const pick = first(key);
      for (let j = 0; j < 3; j++) expect(first(key)).toBe(pick);
      counts[pick as 'a' | 'b']++;
    }
    expect(Math.abs(counts.a - 1_000)).toBeLessThan(100);
    expect(stickyDraw('m\u0000run-1')).toBe(stickyDraw('m\u0000run-1'));
  });

  it('moves a sticky key off a deployment that is down, and back when it recovers', () => {
    const m = model([dep('a'), dep('b', { priority: 1 })], { strategy: 'weighted', sticky: 'key' });
    const key = Array.from({ length: 50 }, (_, i) => `k${i}`).find((k) => order(m, { stickyKey: k })[0] === 'a') as string;
    expect(order(m, { stickyKey: key, health: view({}, ['a']) })).toEqual(['b']);
    expect(order(m, { stickyKey: key })[0]).toBe('a');
  });
});

describe('least-latency and least-busy', () => {
  it('least-latency: unmeasured deployments first, then the lowest EWMA (TTFT for streams)', () => {
    const m = model([dep('a'), dep('b'), dep('c'), dep('d')], { strategy: 'least-latency' });
    const health = view({ a: { ewmaLatencyMs: 300, ewmaTtftMs: 50 }, b: { ewmaLatencyMs: 100, ewmaTtftMs: 90 }, d: { ewmaLatencyMs: 200 } });
    expect(order(m, { health })).toEqual(['c', 'b', 'd', 'a']);
    expect(order(m, { health, stream: true })).toEqual(['c', 'a', 'b', 'd']);
  });

  it('least-busy: fewest calls in flight, ties by priority', () => {
    const m = model([dep('a'), dep('b'), dep('c')], { strategy: 'least-busy' });
    expect(order(m, { health: view({ a: { inFlight: 3 }, b: { inFlight: 1 }, c: { inFlight: 1 } }) })).toEqual(['b', 'c', 'a']);
  });
});

describe('cost', () => {
  const cheap = dep('cheap', { pricing: PRICE(100_000, 400_000), limits: { maxOutputTokens: 4096, contextWindow: 8_000 }, capabilities: { tools: false, vision: false, jsonMode: true } });
  const mid = dep('mid', { pricing: PRICE(500_000, 1_500_000), capabilities: { tools: true, vision: false, jsonMode: true } });
  const flagship = dep('flagship', { pricing: PRICE(3_000_000, 15_000_000) });
  const m = model([flagship, mid, cheap], { strategy: 'cost' });

  it('serves from the cheapest deployment that meets the request, the rest after', () => {
    expect(order(m)).toEqual(['cheap', 'mid', 'flagship']);
    expect(order(m, { needs: { ...NO_NEEDS, tools: true } })).toEqual(['mid', 'flagship', 'cheap']);
    expect(order(m, { needs: { ...NO_NEEDS, images: true } })).toEqual(['flagship', 'mid', 'cheap']);
    expect(order(m, { needs: { ...NO_NEEDS, promptTokens: 7_000, maxTokens: 2_000 } })).toEqual(['mid', 'flagship', 'cheap']);
    expect(order(m, { health: view({}, ['cheap']) })).toEqual(['mid', 'flagship']);
  });

  it('prices the estimate per deployment; free is cheapest, unpriced never first', () => {
    expect(estimatedCost(cheap, { ...NO_NEEDS, promptTokens: 1_000, maxTokens: 100 })).toBe(100 + 40);
    expect(estimatedCost(dep('f', { pricing: { free: true, version: 't' } }), NO_NEEDS)).toBe(0);
    expect(estimatedCost(dep('u', { pricing: undefined }), NO_NEEDS)).toBe(Number.POSITIVE_INFINITY);
    expect(meetsNeeds(cheap, { ...NO_NEEDS, jsonMode: true })).toBe(true);
  });

  it('reads what a chat request needs', () => {
    const request: ChatCompletionRequest = {
      model: 'm',
      max_tokens: 300,
      response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'f' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }, { type: 'image_url', image_url: { url: 'data:' } }] }],
    };
    const needs = chatNeeds(request);
    expect(needs).toMatchObject({ maxTokens: 300, tools: true, images: true, jsonMode: true });
    expect(needs.promptTokens).toBeGreaterThan(1_100);
    expect(chatNeeds({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).toEqual({ promptTokens: 1, maxTokens: 0, tools: false, images: false, jsonMode: false });
  });
});
