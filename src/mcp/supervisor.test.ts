import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../kernel/errors/index.js';
import { createSupervisor, type Incarnation } from './supervisor.js';

/** A fake process: `exit(reason)` ends it; `started` counts starts. */
function fakeStarter(fail: () => string | undefined = () => undefined) {
  const running: Array<{ exit: (reason: string) => void; stopped: boolean }> = [];
  let started = 0;
  const start = async (): Promise<Incarnation<string>> => {
    started++;
    const reason = fail();
    if (reason) throw new Error(reason);
    let exit: (reason: string) => void = () => {};
    const exited = new Promise<string>((r) => {
      exit = r;
    });
    const handle = { exit, stopped: false };
    running.push(handle);
    return {
      value: `v${started}`,
      pid: 1000 + started,
      exited,
      stop: async () => {
        handle.stopped = true;
        exit('stopped');
      },
    };
  };
  return { start, running, started: () => started };
}

const signal = () => new AbortController().signal;

describe('supervisor', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts after exits with a doubling backoff capped at the maximum, reset once it stayed up', async () => {
    const f = fakeStarter();
    const delays: number[] = [];
    const s = createSupervisor({ server: 'x', start: f.start, now: () => Date.now(), initialBackoffMs: 500, maxBackoffMs: 2_000, stableAfterMs: 10_000, onFailure: (_r, d) => delays.push(d) });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toMatchObject({ state: 'connected', restarts: 0, pid: 1001 });
    for (let i = 0; i < 4; i++) {
      f.running.at(-1)?.exit('crashed');
      await vi.advanceTimersByTimeAsync(0);
      expect(s.status().state).toBe('backoff');
      await vi.advanceTimersByTimeAsync(delays.at(-1) as number);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 2_000]);
    expect(s.status()).toMatchObject({ state: 'connected', restarts: 4, lastError: 'crashed', pid: 1005 });
    // Up for longer than stableAfterMs: the next restart is quick again.
    await vi.advanceTimersByTimeAsync(10_000);
    f.running.at(-1)?.exit('crashed later');
    await vi.advanceTimersByTimeAsync(0);
    expect(delays.at(-1)).toBe(500);
    await s.close();
  });

  it('fails fast during the backoff; callers waiting for a start get the connection when it is up', async () => {
    let failing = true;
    const f = fakeStarter(() => (failing ? 'spawn failed' : undefined));
    const s = createSupervisor({ server: 'x', start: f.start, now: () => Date.now(), initialBackoffMs: 1_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.status()).toMatchObject({ state: 'backoff', lastError: 'spawn failed' });
    const fast = await s.acquire(5_000, signal()).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(GatewayError);
    expect((fast as GatewayError).code).toBe('GW_MCP_UPSTREAM_UNAVAILABLE');
    expect((fast as GatewayError).message).toContain('spawn failed');
    failing = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(s.status()).toMatchObject({ state: 'connected', restarts: 1 });
    await expect(s.acquire(5_000, signal())).resolves.toEqual({ value: 'v2', id: 1 });
    await s.close();
  });

  it('a caller waiting while it starts gives up after waitMs', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const f = fakeStarter();
    const s = createSupervisor({
      server: 'x',
      start: async () => {
        await gate;
        return f.start();
      },
      now: () => Date.now(),
    });
    const waiting = s.acquire(2_000, signal()).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(((await waiting) as GatewayError).message).toContain('still starting after 2000 ms');
    const second = s.acquire(2_000, signal());
    release();
    await vi.advanceTimersByTimeAsync(0);
    await expect(second).resolves.toMatchObject({ value: 'v1' });
    await s.close();
  });

  it('close() stops the running incarnation and never restarts', async () => {
    const f = fakeStarter();
    const s = createSupervisor({ server: 'x', start: f.start, now: () => Date.now(), initialBackoffMs: 10 });
    await vi.advanceTimersByTimeAsync(0);
    await s.close();
    expect(f.running[0]?.stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.started()).toBe(1);
    expect(s.status().state).toBe('stopped');
    await expect(s.acquire(1_000, signal())).rejects.toThrow(/stopped/);
  });

  it('broken() restarts the incarnation a failed request ran on (not a newer one)', async () => {
    const f = fakeStarter();
    const s = createSupervisor({ server: 'x', start: f.start, now: () => Date.now(), initialBackoffMs: 10 });
    await vi.advanceTimersByTimeAsync(0);
    const { id } = await s.acquire(1_000, signal());
    s.broken(id);
    await vi.advanceTimersByTimeAsync(10);
    expect(s.status()).toMatchObject({ state: 'connected', restarts: 1 });
    s.broken(id);
    await vi.advanceTimersByTimeAsync(10);
    expect(s.status().restarts).toBe(1);
    await s.close();
  });
});
