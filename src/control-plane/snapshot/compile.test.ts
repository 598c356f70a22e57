import { describe, expect, it } from 'vitest';
import type { Provider } from '../../providers/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { CATALOGUE_VERSION } from '../pricing/catalogue.js';
import { createResourceCache } from './resource-cache.js';
import { createSnapshotCompiler } from './compile.js';

let revision = 0;
function row(kind: string, name: string, spec: Record<string, unknown>, generation = 1): StoredResource {
  return {
    kind, name, uid: `uid-${kind}-${name}-${generation}`, team: undefined, owner: undefined, labels: {}, spec, status: undefined, secret: undefined,
    generation, revision: ++revision, createdAt: 0, updatedAt: 0, createdBy: 't', updatedBy: 't', deleted: false, lastUsedAt: undefined,
  };
}

function setup(rows: StoredResource[]) {
  const cache = createResourceCache();
  cache.apply([row('Provider', 'up', { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1/v1' }), ...rows]);
  const compile = createSnapshotCompiler({ providerFor: (name) => ({ name }) as unknown as Provider, createdAt: 0 });
  let generation = 0;
  const snap = (changed: StoredResource[] = rows) => compile(++generation, cache, changed);
  return { cache, snap, first: snap() };
}

const model = (name: string, spec: Record<string, unknown> = {}, generation = 1) => row('Model', name, { provider: 'up', ...spec }, generation);
const book = (name: string, spec: Record<string, unknown>, generation = 1) => row('PriceBook', name, spec, generation);

describe('price resolution in the compiled snapshot', () => {
  it('takes inline pricing first, versioned by the Model generation; free models too', () => {
    const { first } = setup([
      model('gpt-4o', { pricing: { inputPer1M: '1.00', outputPer1M: '4.00' } }, 7),
      model('local', { pricing: { free: true } }, 2),
      book('acme', { prices: [{ model: 'gpt-4o', inputPer1M: '9', outputPer1M: '9' }] }),
    ]);
    expect(first.models.get('gpt-4o')?.pricing).toEqual({
      free: false,
      version: 'model:gpt-4o@7',
      prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 4_000_000, perRequest: 0 },
    });
    expect(first.models.get('local')?.pricing).toEqual({ free: true, version: 'model:local@2' });
  });

  it('prices a self-hosted model from its GpuPool, input and output alike', () => {
    const { first } = setup([
      row('GpuPool', 'h100-a', { gpus: 1, costPerGpuHourUsd: '2.50', tokensPerSecond: 2500 }, 2),
      model('llama', { gpuPool: 'h100-a', upstreamModel: 'gpt-4o' }),
    ]);
    expect(first.models.get('llama')?.pricing).toEqual({
      free: false,
      version: 'gpupool:h100-a@2',
      prices: { inputPer1M: 462_963, cachedInputPer1M: 462_963, cacheWritePer1M: 462_963, outputPer1M: 462_963, perRequest: 0 },
    });
  });

  it('leaves a model unpriced (never priced by a later source) when its GpuPool is gone', () => {
    const { first } = setup([model('gpt-4o', { gpuPool: 'gone' })]);
    expect(first.models.get('gpt-4o')?.pricing).toBeUndefined();
  });

  it('uses price books by priority, then name; a Model-name entry before an upstream-id entry in the same book', () => {
    const { first } = setup([
      model('fast', { upstreamModel: 'vendor-fast-001' }),
      model('smart', { upstreamModel: 'vendor-smart' }),
      model('other'),
      book('b-low', { prices: [{ model: 'vendor-fast-001', inputPer1M: '1', outputPer1M: '1' }, { model: 'other', inputPer1M: '3', outputPer1M: '3' }] }, 4),
      book('a-high', { version: '2026-11', priority: 5, prices: [{ model: 'vendor-fast-001', inputPer1M: '2', outputPer1M: '2' }, { model: 'fast', inputPer1M: '0.5', outputPer1M: '0.5' }] }),
      book('c-tie', { priority: 0, prices: [{ model: 'other', inputPer1M: '4', outputPer1M: '4' }, { model: 'smart', inputPer1M: '6', outputPer1M: '6' }] }),
    ]);
    expect(first.models.get('fast')?.pricing).toMatchObject({ version: 'pricebook:a-high@2026-11', prices: { inputPer1M: 500_000 } });
    // Same priority (0): the book whose name sorts first wins; no spec.version → its generation.
    expect(first.models.get('other')?.pricing).toMatchObject({ version: 'pricebook:b-low@4', prices: { inputPer1M: 3_000_000 } });
    expect(first.models.get('smart')?.pricing).toMatchObject({ version: 'pricebook:c-tie@1', prices: { outputPer1M: 6_000_000 } });
  });

  it('never prices chat output at $0 from a book entry without outputPer1M (embeddings may use it)', () => {
    const { first } = setup([
      model('chatty', { upstreamModel: 'x-chat' }),
      model('embed', { type: 'embedding', upstreamModel: 'x-embed' }),
      book('acme', { prices: [{ model: 'x-chat', inputPer1M: '1' }, { model: 'x-embed', inputPer1M: '0.01' }] }),
    ]);
    expect(first.models.get('chatty')?.pricing).toBeUndefined();
    expect(first.models.get('embed')?.pricing).toMatchObject({ version: 'pricebook:acme@1', prices: { inputPer1M: 10_000, outputPer1M: 0 } });
  });

  it('falls back to the bundled catalogue by upstream id (dated snapshots too), else leaves the model unpriced', () => {
    const { first } = setup([
      model('prod-4o', { upstreamModel: 'gpt-4o-2024-08-06' }),
      model('claude', { deployments: [{ provider: 'up', upstreamModel: 'claude-sonnet-4-20250514' }] }),
      model('mystery', { upstreamModel: 'in-house-7b' }),
    ]);
    expect(first.models.get('prod-4o')?.pricing).toEqual({
      free: false,
      version: CATALOGUE_VERSION,
      prices: { inputPer1M: 2_500_000, cachedInputPer1M: 1_250_000, cacheWritePer1M: 2_500_000, outputPer1M: 10_000_000, perRequest: 0 },
    });
    expect(first.models.get('claude')?.pricing).toMatchObject({ version: CATALOGUE_VERSION, prices: { cacheWritePer1M: 3_750_000, cachedInputPer1M: 300_000 } });
    expect(first.models.get('mystery')?.pricing).toBeUndefined();
    expect(first.models.get('mystery')).toBeDefined();
  });

  it('follows a price book change in the next snapshot', () => {
    const { cache, snap, first } = setup([model('m', { upstreamModel: 'in-house' }), book('acme', { prices: [{ model: 'in-house', inputPer1M: '1', outputPer1M: '2' }] })]);
    expect(first.models.get('m')?.pricing?.version).toBe('pricebook:acme@1');
    const changed = book('acme', { version: 'v2', prices: [{ model: 'in-house', inputPer1M: '3', outputPer1M: '4' }] }, 2);
    cache.apply([changed]);
    expect(snap([changed]).models.get('m')?.pricing).toMatchObject({ version: 'pricebook:acme@v2', prices: { inputPer1M: 3_000_000 } });
    const gone = { ...changed, deleted: true, revision: ++revision };
    cache.apply([gone]);
    expect(snap([gone]).models.get('m')?.pricing).toBeUndefined();
  });
});

describe('model limits', () => {
  it('uses spec.limits, else the catalogue, else 4,096 output tokens', () => {
    const { first } = setup([
      model('mine', { upstreamModel: 'gpt-4o', limits: { maxOutputTokens: 1000 } }),
      model('listed', { upstreamModel: 'gpt-4o-2024-08-06' }),
      model('unknown', { upstreamModel: 'in-house' }),
      model('small-window', { upstreamModel: 'in-house', limits: { contextWindow: 2048 } }),
    ]);
    expect(first.models.get('mine')?.limits).toEqual({ maxOutputTokens: 1000, contextWindow: 128_000 });
    expect(first.models.get('listed')?.limits).toEqual({ maxOutputTokens: 16_384, contextWindow: 128_000 });
    expect(first.models.get('unknown')?.limits).toEqual({ maxOutputTokens: 4096, contextWindow: undefined });
    expect(first.models.get('small-window')?.limits).toEqual({ maxOutputTokens: 2048, contextWindow: 2048 });
  });
});

describe('budgets and rate limits in the compiled snapshot', () => {
  it('compiles budgets sorted by name with defaults filled in', () => {
    const { first } = setup([
      row('Budget', 'team-a-monthly', { scope: { team: 'team-a' }, window: 'monthly', limitUsd: '50.00', enforcement: 'hard', alerts: [50, 80, 100] }),
      row('Budget', 'run-cap', { scope: { workflow: 'triage', tags: { repo: 'web' } }, per: 'run', window: 'total', limitUsd: '0.25', enforcement: 'soft' }),
      row('Budget', 'everything', { scope: {}, window: 'daily', limitUsd: '1000', failMode: 'open' }),
    ]);
    expect(first.budgets).toEqual([
      { name: 'everything', scope: {}, perRun: false, window: 'daily', limitMicros: 1_000_000_000, hard: true, alerts: [80, 100], failClosed: false },
      { name: 'run-cap', scope: { workflow: 'triage', tags: { repo: 'web' } }, perRun: true, window: 'total', limitMicros: 250_000, hard: false, alerts: [80, 100], failClosed: false },
      { name: 'team-a-monthly', scope: { team: 'team-a' }, perRun: false, window: 'monthly', limitMicros: 50_000_000, hard: true, alerts: [50, 80, 100], failClosed: true },
    ]);
    expect(Object.isFrozen(first.budgets)).toBe(true);
  });

  it('compiles rate limits (fail open by default) and follows changes', () => {
    const rl = row('RateLimit', 'team-b-rpm', { scope: { team: 'team-b' }, per: 'apiKey', requestsPerMinute: 5 });
    const { cache, snap, first } = setup([rl, row('RateLimit', 'global-concurrency', { scope: {}, concurrent: 100, failMode: 'closed' })]);
    expect(first.rateLimits).toEqual([
      { name: 'global-concurrency', scope: {}, per: undefined, requestsPerMinute: undefined, tokensPerMinute: undefined, concurrent: 100, failClosed: true },
      { name: 'team-b-rpm', scope: { team: 'team-b' }, per: 'apiKey', requestsPerMinute: 5, tokensPerMinute: undefined, concurrent: undefined, failClosed: false },
    ]);
    // An unrelated change keeps the same compiled arrays; a rate-limit change replaces them.
    const unrelated = row('Team', 'team-c', {});
    cache.apply([unrelated]);
    expect(snap([unrelated]).rateLimits).toBe(first.rateLimits);
    const deleted = { ...rl, deleted: true, revision: ++revision };
    cache.apply([deleted]);
    expect(snap([deleted]).rateLimits.map((r) => r.name)).toEqual(['global-concurrency']);
  });
});
