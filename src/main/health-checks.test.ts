import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compiledModel } from '../../test/helpers/compiled.js';
import { DEFAULT_ROUTING } from '../data-plane/routing/defaults.js';
import type { DeploymentHealthReader } from '../data-plane/routing/deployment-health.js';
import type { CompiledModel, RuntimeSnapshot } from '../data-plane/snapshot.js';
import { systemClock } from '../kernel/clock.js';
import { GatewayError } from '../kernel/errors/index.js';
import { silentLogger } from '../kernel/logger.js';
import type { ChatCompletion, ChatCompletionRequest, EmbeddingRequest } from '../kernel/wire/openai.js';
import type { DeploymentTarget, Provider, ProviderCallContext } from '../providers/contract.js';
import { type HealthChecks, startHealthChecks } from './health-checks.js';

type Behaviour = 'ok' | 'fail' | 'hang' | 'deaf';

/** A provider whose answers the test decides per upstream model; records every call. */
function fakeProvider() {
  const calls: Array<{ kind: 'chat' | 'embeddings'; request: ChatCompletionRequest | EmbeddingRequest; ctx: ProviderCallContext }> = [];
  const behaviour = new Map<string, Behaviour>();
  const answer = (model: string, ctx: ProviderCallContext): Promise<never> | Promise<unknown> => {
    const b = behaviour.get(model) ?? 'ok';
    if (b === 'ok') return Promise.resolve({});
    if (b === 'fail') return Promise.reject(new GatewayError('GW_UPSTREAM_ERROR', 'upstream answered 500'));
    // hang: settles only when aborted; deaf: never settles (a provider that ignores the signal).
    return new Promise((_, reject) => {
      if (b === 'hang') ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
    });
  };
  const provider: Provider = {
    name: 'fake',
    type: 'fake',
    async chat(request, ctx) {
      calls.push({ kind: 'chat', request, ctx });
      return (await answer(request.model, ctx)) as ChatCompletion;
    },
    chatStream: () => Promise.reject(new Error('not used')),
    async embeddings(request, ctx) {
      calls.push({ kind: 'embeddings', request, ctx });
      return (await answer(request.model, ctx)) as never;
    },
    close: async () => {},
  };
  return { provider, calls, behaviour };
}

const target = (id: string, upstreamModel: string): DeploymentTarget => ({
  id,
  provider: 'fake',
  upstreamModel,
  timeouts: { connectMs: 1000, headersMs: 1000, bodyIdleMs: 1000 },
  faults: undefined,
});

function model(name: string, provider: Provider, deployments: Array<[string, string]>, check: { intervalMs: number; timeoutMs: number } | undefined, type: 'chat' | 'embedding' = 'chat'): CompiledModel {
  return compiledModel(
    {
      name,
      type,
      deployments: deployments.map(([id, upstream]) => ({ provider, target: target(id, upstream) })),
      pricing: { free: true, version: 'test' },
      limits: { maxOutputTokens: 100, contextWindow: undefined },
    },
    { routing: { ...DEFAULT_ROUTING, healthCheck: check, breaker: { failures: 3, cooldownMs: 10_000 } } },
  );
}

let generation = 0;
const snapshotOf = (...models: CompiledModel[]) => ({ generation: ++generation, models: new Map(models.map((m) => [m.name, m])) }) as unknown as RuntimeSnapshot;

function fakeHealth() {
  const probes: Array<{ model: string; deployment: string; ok: boolean; code: string | undefined; breaker: { failures: number; cooldownMs: number } }> = [];
  const health: DeploymentHealthReader = {
    list: () => [],
    recordProbe: (m, deployment, ok, code, breaker) => {
      probes.push({ model: m, deployment, ok, code, breaker });
    },
  };
  return { health, probes };
}

describe('active health checks', () => {
  let checks: HealthChecks | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await checks?.close();
    checks = undefined;
    vi.useRealTimers();
  });

  const start = (current: () => RuntimeSnapshot | undefined, health: DeploymentHealthReader) => {
    checks = startHealthChecks({ snapshots: { current }, health, clock: systemClock, logger: silentLogger, reconcileMs: 500 });
    return checks;
  };

  it('probes every deployment of a model with a health check at its interval, and reports each result', async () => {
    const { provider, calls, behaviour } = fakeProvider();
    const { health, probes } = fakeHealth();
    behaviour.set('up-b', 'fail');
    const snapshot = snapshotOf(
      model('chat', provider, [['chat-a', 'up-a'], ['chat-b', 'up-b']], { intervalMs: 5_000, timeoutMs: 1_000 }),
      model('embed', provider, [['embed-a', 'up-e']], { intervalMs: 5_000, timeoutMs: 1_000 }, 'embedding'),
      model('plain', provider, [['plain-a', 'up-p']], undefined),
    );
    start(() => snapshot, health);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(calls).toHaveLength(0); // the first probe waits one interval (no burst at start)
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.request.model).sort()).toEqual(['up-a', 'up-b', 'up-e']);
    const chat = calls.find((c) => c.request.model === 'up-a')!;
    expect(chat.kind).toBe('chat');
    expect(chat.request).toEqual({ model: 'up-a', messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 });
    expect(chat.ctx.deployment.id).toBe('chat-a');
    expect(calls.find((c) => c.request.model === 'up-e')).toMatchObject({ kind: 'embeddings', request: { model: 'up-e', input: 'ping' } });
    const sorted = [...probes].sort((a, b) => a.deployment.localeCompare(b.deployment));
    expect(sorted).toEqual([
      { model: 'chat', deployment: 'chat-a', ok: true, code: undefined, breaker: { failures: 3, cooldownMs: 10_000 } },
      { model: 'chat', deployment: 'chat-b', ok: false, code: 'GW_UPSTREAM_ERROR', breaker: { failures: 3, cooldownMs: 10_000 } },
      { model: 'embed', deployment: 'embed-a', ok: true, code: undefined, breaker: { failures: 3, cooldownMs: 10_000 } },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(9);
  });

  it('never overlaps probes of one deployment; a probe that outlives its timeout fails as GW_UPSTREAM_TIMEOUT and is aborted', async () => {
    const { provider, calls, behaviour } = fakeProvider();
    const { health, probes } = fakeHealth();
    behaviour.set('slow', 'deaf');
    const snapshot = snapshotOf(model('chat', provider, [['slow-a', 'slow']], { intervalMs: 1_000, timeoutMs: 2_500 }));
    start(() => snapshot, health);
    await vi.advanceTimersByTimeAsync(3_000);
    // Ticks at 2 s and 3 s found the first probe (from 1 s) still running.
    expect(calls).toHaveLength(1);
    expect(probes).toEqual([]);
    await vi.advanceTimersByTimeAsync(500);
    expect(probes).toEqual([expect.objectContaining({ deployment: 'slow-a', ok: false, code: 'GW_UPSTREAM_TIMEOUT' })]);
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toHaveLength(2);
  });

  it('follows snapshot changes: new deployments are probed, removed ones stop, a new interval takes effect', async () => {
    const { provider, calls } = fakeProvider();
    const { health } = fakeHealth();
    let snapshot = snapshotOf(model('chat', provider, [['chat-a', 'up-a']], { intervalMs: 2_000, timeoutMs: 500 }));
    start(() => snapshot, health);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls.map((c) => c.ctx.deployment.id)).toEqual(['chat-a']);

    snapshot = snapshotOf(model('chat', provider, [['chat-a', 'up-a'], ['chat-b', 'up-b']], { intervalMs: 2_000, timeoutMs: 500 }));
    await vi.advanceTimersByTimeAsync(2_500);
    expect(checks!.probing().sort()).toEqual(['chat/chat-a', 'chat/chat-b']);
    expect(calls.filter((c) => c.ctx.deployment.id === 'chat-b').length).toBeGreaterThan(0);

    // chat-a removed, chat-b every 10 s now.
    snapshot = snapshotOf(model('chat', provider, [['chat-b', 'up-b']], { intervalMs: 10_000, timeoutMs: 500 }));
    await vi.advanceTimersByTimeAsync(500);
    expect(checks!.probing()).toEqual(['chat/chat-b']);
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(9_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.map((c) => c.ctx.deployment.id)).toEqual(['chat-b']);

    // The health check removed from the model: nothing is probed any more.
    snapshot = snapshotOf(model('chat', provider, [['chat-b', 'up-b']], undefined));
    await vi.advanceTimersByTimeAsync(500);
    expect(checks!.probing()).toEqual([]);
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual([]);
  });

  it('close() aborts the probe in flight, reports nothing more and leaves no timer behind', async () => {
    const { provider, calls, behaviour } = fakeProvider();
    const { health, probes } = fakeHealth();
    behaviour.set('up-a', 'hang');
    const snapshot = snapshotOf(model('chat', provider, [['chat-a', 'up-a']], { intervalMs: 1_000, timeoutMs: 60_000 }));
    const c = start(() => snapshot, health);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);
    await c.close();
    checks = undefined;
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(1);
    expect(probes).toEqual([]);
  });
});
