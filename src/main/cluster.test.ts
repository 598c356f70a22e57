import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../kernel/logger.js';
import { type Primary, startPrimary, type WorkerReady } from './cluster.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/cluster-worker.mjs');

let running: Primary | undefined;
afterEach(async () => {
  running?.stop('test end');
  await running?.exited;
  running = undefined;
  delete process.env.FIXTURE_MODE;
  delete process.env.FIXTURE_DIR;
});

function start(mode: string, workers: number, extra: { maxCrashes?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-cluster-'));
  // cluster.fork passes the primary's environment on to the workers.
  process.env.FIXTURE_MODE = mode;
  process.env.FIXTURE_DIR = dir;
  let resolveReady: (v: { ready: WorkerReady; pids: readonly number[] }) => void = () => undefined;
  const ready = new Promise<{ ready: WorkerReady; pids: readonly number[] }>((r) => (resolveReady = r));
  running = startPrimary({
    workers,
    logger: silentLogger,
    shutdownTimeoutMs: 1_000,
    onReady: (r, pids) => resolveReady({ ready: r, pids }),
    exec: { file: FIXTURE, args: [] },
    ...extra,
  });
  const starts = () => readdirSync(dir).filter((f) => f.startsWith('started-')).map((f) => readFileSync(join(dir, f), 'utf8'));
  return { primary: running, ready, starts, dir };
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('cluster primary', () => {
  it('starts worker 1 with the seeding, the others without, reports ready once, and stops them all with exit 0', async () => {
    const { primary, ready, starts } = start('ok', 3);
    const r = await ready;
    expect(r.ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.pids).toHaveLength(3);
    expect(starts().sort()).toEqual(['seed', 'skip', 'skip']);
    primary.stop('SIGTERM');
    expect(await primary.exited).toBe(0);
    expect(r.pids.filter(alive)).toEqual([]);
  });

  it('exits 1 when a worker fails before it listens', async () => {
    const { primary } = start('fail-start', 2);
    expect(await primary.exited).toBe(1);
  });

  it('replaces a killed worker (without seeding)', async () => {
    const { primary, ready, starts } = start('ok', 2);
    const { pids } = await ready;
    process.kill(pids[0]!, 'SIGKILL');
    await until(() => starts().length === 3 && primary.pids().length === 2 && !primary.pids().includes(pids[0]!));
    expect(starts().sort()).toEqual(['seed', 'skip', 'skip']);
    primary.stop('SIGTERM');
    expect(await primary.exited).toBe(0);
  });

  it('gives up with exit 1 when workers keep crashing', async () => {
    const { primary, ready, starts, dir } = start('crash', 1, { maxCrashes: 2 });
    const { pids } = await ready;
    writeFileSync(join(dir, 'running'), '1'); // from now on every replacement crashes
    process.kill(pids[0]!, 'SIGKILL');
    expect(await primary.exited).toBe(1);
    expect(starts()).toHaveLength(3); // the first worker and 2 replacements; the 3rd crash stops it
  });

  it('retries a replacement that fails before it listens, and gives up with exit 1 (never idles with no worker)', async () => {
    const { primary, ready, starts, dir } = start('fail-restart', 1, { maxCrashes: 2 });
    const { pids } = await ready;
    writeFileSync(join(dir, 'running'), '1'); // from now on no replacement gets to listen
    process.kill(pids[0]!, 'SIGKILL');
    expect(await primary.exited).toBe(1);
    expect(starts()).toHaveLength(3);
  });
});
