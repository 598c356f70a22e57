import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../kernel/logger.js';
import { METRICS_IPC, type RenderedMetrics } from '../telemetry/prometheus/cluster-metrics.js';
import type { RunningGateway } from './gateway.js';

/**
 * `gantry start --workers N`: N gateway processes on one host with node:cluster, sharing one listen
 * port (the primary accepts and hands connections round-robin), the data directory (SQLite, the
 * usage outbox) or Postgres/Redis. The primary serves no requests: it forks, restarts and stops.
 *
 * Start order: worker 1 alone first (it creates the data directory's secrets, runs migrations and
 * applies gantry.yaml), then — once it listens — the others, told by SKIP_SEED_ENV to skip that
 * seeding. The primary prints the banner once, with what worker 1 reports over IPC.
 */

/** Set on every worker but the first: the startup seeding (gantry.yaml, demo key) was done. */
export const SKIP_SEED_ENV = 'GANTRY_CLUSTER_SKIP_SEED';

/** Response header naming the process that served a request (cluster mode only). */
export const WORKER_HEADER = 'x-gantry-worker';

/** What the primary needs for the banner. Secrets only when this start created them (printed once). */
export interface WorkerReady {
  readonly url: string;
  readonly configSource: string;
  readonly createdAdminToken: boolean;
  readonly createdDemoKey: boolean;
  readonly adminToken: string | undefined;
  readonly demoKey: string | undefined;
}

interface ReadyMessage {
  readonly gantry: 'ready';
  readonly ready: WorkerReady;
}

function isReadyMessage(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as { gantry?: unknown }).gantry === 'ready';
}

export const isClusterWorker = (): boolean => cluster.isWorker;

/** Worker side: whether startGateway should skip the startup seeding. */
export const skipSeedInWorker = (env: NodeJS.ProcessEnv): boolean => cluster.isWorker && env[SKIP_SEED_ENV] === '1';

/** Worker side, once listening: mark responses with this pid and tell the primary. */
export function announceWorker(gateway: RunningGateway): void {
  const pid = String(process.pid);
  gateway.server.prependListener('request', (_req, res) => res.setHeader(WORKER_HEADER, pid));
  const b = gateway.bootstrap;
  const ready: WorkerReady = {
    url: gateway.url,
    configSource: gateway.configSource,
    createdAdminToken: b.createdAdminToken,
    createdDemoKey: b.createdDemoKey,
    adminToken: b.createdAdminToken ? b.adminToken : undefined,
    demoKey: b.createdDemoKey ? b.demoKey : undefined,
  };
  process.send?.({ gantry: 'ready', ready } satisfies ReadyMessage);
}

export interface PrimaryOptions {
  readonly workers: number;
  readonly logger: Logger;
  /** Workers drain for this long on SIGTERM; the primary SIGKILLs what is left after it + 10 s. */
  readonly shutdownTimeoutMs: number;
  /** Called once, when every worker listens. */
  readonly onReady: (ready: WorkerReady, pids: readonly number[]) => void;
  /** More crashes than this within crashWindowMs: stop everything and exit 1 (defaults 5 / 60 s). */
  readonly maxCrashes?: number;
  readonly crashWindowMs?: number;
  /** Sums the workers' registries for /metrics (telemetry/prometheus/cluster-metrics.ts); absent: each worker answers alone. */
  readonly aggregateMetrics?: (parts: readonly unknown[]) => Promise<RenderedMetrics>;
  /** The worker program (default: this process's script and arguments). Tests pass a fixture. */
  readonly exec?: { readonly file: string; readonly args: readonly string[] };
}

export interface Primary {
  /** The exit code: 0 when every worker stopped cleanly; 1 when start-up failed, a worker kept crashing or exited non-zero when told to stop. */
  readonly exited: Promise<number>;
  /** Tells every worker to drain (SIGTERM) and waits for them (SIGTERM/SIGINT call it). */
  stop(reason: string): void;
  /** Pids of the live workers. */
  pids(): number[];
}

/**
 * The primary: forks, restarts crashed workers (backoff 250 ms doubling to 5 s), and on stop() asks
 * every worker to drain. It serves no requests and opens no store.
 */
export function startPrimary(options: PrimaryOptions): Primary {
  const { logger } = options;
  const maxCrashes = options.maxCrashes ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 60_000;
  const live = new Set<Worker>();
  /** Workers that reported ready (and so answer metrics collection). */
  const serving = new Set<Worker>();
  const metrics = createMetricsRelay(serving, options.aggregateMetrics, logger);
  const crashes: number[] = [];
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  let exitCode = 0;
  let killTimer: NodeJS.Timeout | undefined;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    resolveExit = resolve;
  });
  if (options.exec) cluster.setupPrimary({ exec: options.exec.file, args: [...options.exec.args] });

  function finish(): void {
    if (phase !== 'stopping' || live.size > 0) return;
    clearTimeout(killTimer);
    logger.info({ exitCode }, 'all workers stopped');
    resolveExit(exitCode);
  }

  function stop(reason: string): void {
    if (phase === 'stopping') return;
    phase = 'stopping';
    logger.info({ reason, workers: live.size }, 'stopping: every worker drains in-flight requests');
    for (const w of live) w.process.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const w of live) {
        logger.warn({ pid: w.process.pid }, 'worker did not stop in time: killing it');
        w.process.kill('SIGKILL');
      }
    }, options.shutdownTimeoutMs + 10_000);
    killTimer.unref();
    finish();
  }

  function fork(seed: boolean): Promise<WorkerReady> {
    const worker = cluster.fork(seed ? {} : { [SKIP_SEED_ENV]: '1' });
    live.add(worker);
    let ready = false;
    return new Promise<WorkerReady>((resolveReady, rejectReady) => {
      worker.on('message', (m: unknown) => {
        metrics.onMessage(worker, m);
        if (!isReadyMessage(m) || ready) return;
        ready = true;
        serving.add(worker);
        resolveReady(m.ready);
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        serving.delete(worker);
        if (phase === 'stopping') {
          // A worker stopped by SIGTERM before it could install its handlers (still starting) is fine.
          if (code !== 0 && !(signal === 'SIGTERM' && !ready)) exitCode = 1;
        } else if (!ready) {
          rejectReady(new Error(`worker ${worker.id} (pid ${worker.process.pid}) exited with ${signal ?? `code ${code}`} before it was listening`));
          // A replacement that cannot start is a crash too: retried, and counted towards the crash loop.
          if (phase === 'running') onCrash(worker, code, signal);
        } else if (phase === 'running') {
          onCrash(worker, code, signal);
        } else {
          exitCode = 1;
          stop(`worker ${worker.id} exited during start-up`);
        }
        finish();
      });
    });
  }

  function onCrash(worker: Worker, code: number | null, signal: string | null): void {
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! < now - crashWindowMs) crashes.shift();
    if (crashes.length > maxCrashes) {
      logger.error({ crashes: crashes.length, windowMs: crashWindowMs }, 'workers keep crashing: stopping Gantry');
      exitCode = 1;
      stop('crash loop');
      return;
    }
    const delay = Math.min(5_000, 250 * 2 ** (crashes.length - 1));
    logger.error({ pid: worker.process.pid, code, signal, restartInMs: delay }, 'worker exited unexpectedly; starting a new one');
    setTimeout(() => {
      if (phase !== 'running') return;
      fork(false).then(
        () => logger.info({ workers: live.size }, 'replacement worker listening'),
        (err: unknown) => logger.error({ err }, 'replacement worker failed to start'),
      );
    }, delay);
  }

  (async () => {
    // Worker 1 alone: it bootstraps the data directory, migrates and applies gantry.yaml.
    const first = await fork(true);
    if (phase !== 'starting') return;
    await Promise.all(Array.from({ length: options.workers - 1 }, () => fork(false)));
    if (phase !== 'starting') return;
    phase = 'running';
    options.onReady(
      first,
      [...live].map((w) => w.process.pid ?? 0),
    );
  })().catch((err: unknown) => {
    logger.error({ err }, 'a worker failed to start: stopping Gantry');
    exitCode = 1;
    stop('start-up failure');
  });

  return { exited, stop, pids: () => [...live].map((w) => w.process.pid ?? 0) };
}

interface MetricsIpc {
  readonly gantry: string;
  readonly id: number;
  readonly metrics?: unknown;
}

const isMetricsIpc = (m: unknown): m is MetricsIpc =>
  typeof m === 'object' && m !== null && typeof (m as { gantry?: unknown }).gantry === 'string' && typeof (m as { id?: unknown }).id === 'number';

/**
 * The primary's half of cluster-wide /metrics: a worker asks, the primary collects every serving
 * worker's registry (2 s at most; a worker that does not answer is left out) and sends back the sum.
 */
function createMetricsRelay(serving: ReadonlySet<Worker>, aggregate: PrimaryOptions['aggregateMetrics'], logger: Logger) {
  const collections = new Map<number, { parts: unknown[]; expected: number; done: () => void }>();
  let next = 0;

  async function answer(requester: Worker, requestId: number): Promise<void> {
    if (!aggregate) return;
    const id = next++;
    const parts: unknown[] = [];
    const workers = [...serving].filter((w) => w.isConnected());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      collections.set(id, {
        parts,
        expected: workers.length,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      for (const w of workers) w.send({ gantry: METRICS_IPC.collect, id });
      if (workers.length === 0) resolve();
    });
    collections.delete(id);
    try {
      const rendered = await aggregate(parts);
      if (requester.isConnected()) requester.send({ gantry: METRICS_IPC.result, id: requestId, ...rendered });
    } catch (err) {
      logger.warn({ err }, 'aggregating worker metrics failed; the worker answers with its own');
      if (requester.isConnected()) requester.send({ gantry: METRICS_IPC.result, id: requestId });
    }
  }

  return {
    onMessage(worker: Worker, m: unknown): void {
      if (!isMetricsIpc(m)) return;
      if (m.gantry === METRICS_IPC.request) void answer(worker, m.id);
      else if (m.gantry === METRICS_IPC.part) {
        const c = collections.get(m.id);
        if (!c) return;
        if (Array.isArray(m.metrics)) c.parts.push(m.metrics);
        c.expected -= 1;
        if (c.expected <= 0) c.done();
      }
    },
  };
}
