import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { telemetryChannels, type BreakerChangeMessage } from '../../telemetry/channels.js';
import type { CompiledModel, RuntimeSnapshot } from '../snapshot.js';
import { createDeploymentHealth } from './deployment-health.js';

const BREAKER = { failures: 3, cooldownMs: 10_000 };

function setup() {
  let now = 1_000_000;
  const clock = { now: () => now };
  const changes: BreakerChangeMessage[] = [];
  const channels = telemetryChannels();
  const health = createDeploymentHealth({ clock, channels });
  const listener = (m: unknown) => changes.push(m as BreakerChangeMessage);
  diagnosticsChannel.subscribe('gantry:breaker:change', listener);
  const fail = (d = 'a') => health.begin('m', d, BREAKER)?.end({ kind: 'failure', code: 'GW_UPSTREAM_ERROR' });
  const succeed = (d = 'a', latencyMs = 100) => health.begin('m', d, BREAKER)?.end({ kind: 'success', latencyMs, ttftMs: undefined });
  const state = (d = 'a') => health.list().find((s) => s.deployment === d);
  return {
    health,
    changes,
    fail,
    succeed,
    state,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
    close: () => diagnosticsChannel.unsubscribe('gantry:breaker:change', listener),
  };
}

const snapshotWith = (generation: number, models: Record<string, string[]>): RuntimeSnapshot =>
  ({
    generation,
    models: new Map(Object.entries(models).map(([name, ds]) => [name, { name, deployments: ds.map((id) => ({ target: { id } })) } as unknown as CompiledModel])),
  }) as unknown as RuntimeSnapshot;

describe('deployment health: circuit breaker', () => {
  it('opens after N consecutive failures, refuses calls during the cooldown, then lets exactly one probe through', () => {
    const t = setup();
    t.fail();
    t.fail();
    expect(t.state()).toMatchObject({ state: 'closed', consecutiveFailures: 2 });
    t.fail();
    expect(t.state()).toMatchObject({ state: 'open', consecutiveFailures: 3, retryAt: t.now() + 10_000, lastError: 'GW_UPSTREAM_ERROR', failures: 3 });
    expect(t.health.available('m', 'a')).toBe(false);
    expect(t.health.begin('m', 'a', BREAKER)).toBeUndefined();
    expect(t.health.retryAt('m', ['a', 'b'])).toBe(t.now() + 10_000);

    t.advance(10_000);
    expect(t.health.available('m', 'a')).toBe(true);
    const probe = t.health.begin('m', 'a', BREAKER);
    expect(probe).toBeDefined();
    expect(t.state()?.state).toBe('half_open');
    expect(t.health.available('m', 'a')).toBe(false);
    expect(t.health.begin('m', 'a', BREAKER)).toBeUndefined(); // one probe at a time
    probe?.end({ kind: 'success', latencyMs: 50, ttftMs: undefined });
    expect(t.state()).toMatchObject({ state: 'closed', consecutiveFailures: 0, retryAt: undefined });
    expect(t.changes.map((c) => `${c.from}>${c.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
    expect(t.changes[0]?.reason).toBe('3 consecutive failures (GW_UPSTREAM_ERROR)');
    t.close();
  });

  it('reopens for another cooldown when the probe fails; an abandoned probe frees the slot', () => {
    const t = setup();
    for (let i = 0; i < 3; i++) t.fail();
    t.advance(10_000);
    t.health.begin('m', 'a', BREAKER)?.end({ kind: 'abandoned' });
    expect(t.state()?.state).toBe('half_open');
    expect(t.health.available('m', 'a')).toBe(true);
    t.fail();
    expect(t.state()).toMatchObject({ state: 'open', retryAt: t.now() + 10_000 });
    expect(t.changes.at(-1)).toMatchObject({ from: 'half_open', to: 'open', reason: 'probe failed (GW_UPSTREAM_ERROR)' });
    t.close();
  });

  it('a success resets the consecutive count; a refused request (answered) proves the deployment is up', () => {
    const t = setup();
    t.fail();
    t.fail();
    t.succeed();
    t.fail();
    t.fail();
    expect(t.state()?.state).toBe('closed');
    for (let i = 0; i < 3; i++) t.fail();
    t.advance(10_000);
    t.health.begin('m', 'a', BREAKER)?.end({ kind: 'answered' });
    expect(t.state()?.state).toBe('closed');
    t.close();
  });

  it('active health checks: success closes an open breaker early, failure keeps it open longer', () => {
    const t = setup();
    for (let i = 0; i < 3; i++) t.fail();
    t.advance(5_000);
    t.health.recordProbe('m', 'a', false, 'GW_UPSTREAM_UNREACHABLE', BREAKER);
    expect(t.state()).toMatchObject({ state: 'open', retryAt: t.now() + 10_000, lastError: 'GW_UPSTREAM_UNREACHABLE' });
    t.health.recordProbe('m', 'a', true, undefined, BREAKER);
    expect(t.state()?.state).toBe('closed');
    expect(t.changes.at(-1)).toMatchObject({ from: 'open', to: 'closed', reason: 'health check succeeded' });
    // A check of a deployment never called counts too.
    for (let i = 0; i < 3; i++) t.health.recordProbe('m', 'b', false, undefined, BREAKER);
    expect(t.state('b')).toMatchObject({ state: 'open', lastError: 'health_check_failed' });
    t.close();
  });
});

describe('deployment health: numbers', () => {
  it('tracks calls in flight until released, counters and EWMA latency and TTFT', () => {
    const t = setup();
    const a = t.health.begin('m', 'a', BREAKER);
    const b = t.health.begin('m', 'a', BREAKER);
    expect(t.health.stats('m', 'a')?.inFlight).toBe(2);
    a?.record({ kind: 'success', latencyMs: 100, ttftMs: 40 });
    expect(t.health.stats('m', 'a')?.inFlight).toBe(2); // a stream holds its slot until it ends
    a?.release();
    a?.release();
    b?.end({ kind: 'success', latencyMs: 200, ttftMs: undefined });
    const s = t.state();
    expect(s).toMatchObject({ inFlight: 0, successes: 2, failures: 0, ewmaTtftMs: 40 });
    expect(s?.ewmaLatencyMs).toBeCloseTo(130, 6); // 100 + 0.3 × (200 − 100)
    t.close();
  });

  it('lists sorted by model then deployment', () => {
    const t = setup();
    t.health.begin('z', 'b', BREAKER)?.end({ kind: 'answered' });
    t.health.begin('a', 'y', BREAKER)?.end({ kind: 'answered' });
    t.health.begin('a', 'x', BREAKER)?.end({ kind: 'answered' });
    expect(t.health.list().map((s) => `${s.model}/${s.deployment}`)).toEqual(['a/x', 'a/y', 'z/b']);
    t.close();
  });
});

describe('deployment health: bounded memory', () => {
  it('survives snapshot swaps for deployments still configured, forgets removed ones and ones idle for an hour', () => {
    const t = setup();
    for (let i = 0; i < 3; i++) t.fail('a');
    t.succeed('b');
    t.health.begin('gone', 'x', BREAKER)?.end({ kind: 'answered' });
    t.health.retain(snapshotWith(2, { m: ['a', 'b'] }));
    expect(t.health.list().map((s) => `${s.model}/${s.deployment}`)).toEqual(['m/a', 'm/b']);
    expect(t.state('a')?.state).toBe('open'); // kept across the swap
    // A request still on an older snapshot does not sweep the newer one's deployments.
    t.health.retain(snapshotWith(1, { m: [] }));
    expect(t.health.list()).toHaveLength(2);

    const same = snapshotWith(3, { m: ['a', 'b'] });
    t.health.retain(same);
    t.advance(30 * 60_000);
    t.succeed('b');
    t.advance(31 * 60_000);
    t.health.retain(same);
    expect(t.health.list().map((s) => s.deployment)).toEqual(['b']);
    t.close();
  });
});
