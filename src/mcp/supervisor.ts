import { GatewayError } from '../kernel/errors/index.js';

/** One running incarnation (a process with its connected client). */
export interface Incarnation<T> {
  readonly value: T;
  readonly pid: number | undefined;
  /** Resolves with a reason (for status and logs, no secrets) when the process exited or the connection closed. */
  readonly exited: Promise<string>;
  /** Stops it for good (the supervisor will not restart it). */
  stop(): Promise<void>;
}

export interface SupervisorOptions<T> {
  readonly server: string;
  /**
   * Starts an incarnation; rejects when it cannot start (its message goes to status, so no secrets).
   * `signal` aborts when the supervisor is closed meanwhile: the start must then stop what it began.
   */
  start(signal: AbortSignal): Promise<Incarnation<T>>;
  /** Monotonic ms. */
  readonly now: () => number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Up this long: the next failure restarts after initialBackoffMs again. */
  readonly stableAfterMs?: number;
  /** An incarnation ended or failed to start; it is restarted after delayMs. */
  readonly onFailure?: (reason: string, delayMs: number, restarts: number) => void;
}

export type SupervisorState = 'connecting' | 'connected' | 'backoff' | 'stopped';

interface Waiter<T> {
  resolve(v: { value: T; id: number }): void;
  reject(err: unknown): void;
}

/**
 * Keeps one incarnation running: started at once; when it exits or fails to start, started again
 * after an exponential backoff (initialBackoffMs doubling to maxBackoffMs, back to the start once an
 * incarnation stayed up stableAfterMs). acquire() answers at once when connected, waits while
 * connecting, and fails fast during the backoff.
 */
export function createSupervisor<T>(options: SupervisorOptions<T>) {
  const initial = options.initialBackoffMs ?? 500;
  const max = options.maxBackoffMs ?? 30_000;
  const stableAfter = options.stableAfterMs ?? 10_000;
  let state: SupervisorState = 'connecting';
  let current: Incarnation<T> | undefined;
  let currentId = 0;
  let restarts = 0;
  let lastError: string | undefined;
  let nextDelay = initial;
  let timer: NodeJS.Timeout | undefined;
  // The start in progress: close() aborts it and waits for it, so no process outlives close().
  const closing = new AbortController();
  let starting: Promise<void> | undefined;
  const waiters = new Set<Waiter<T>>();

  const unavailable = (why: string) => new GatewayError('GW_MCP_UPSTREAM_UNAVAILABLE', `MCP server "${options.server}" ${why}. Retry shortly.`);

  function settleWaiters(outcome: { value: T; id: number } | Error): void {
    for (const w of waiters) {
      if (outcome instanceof Error) w.reject(outcome);
      else w.resolve(outcome);
    }
    waiters.clear();
  }

  function scheduleRestart(reason: string, upSince: number | undefined): void {
    if (state === 'stopped') return;
    lastError = reason;
    const delay = upSince !== undefined && options.now() - upSince >= stableAfter ? initial : nextDelay;
    nextDelay = Math.min(delay * 2, max);
    state = 'backoff';
    settleWaiters(unavailable(`is restarting after a failure (${reason})`));
    options.onFailure?.(reason, delay, restarts);
    timer = setTimeout(() => {
      timer = undefined;
      restarts++;
      run();
    }, delay);
    timer.unref();
  }

  function run(): void {
    if (state === 'stopped') return;
    state = 'connecting';
    const attempt = options.start(closing.signal).then(
      async (incarnation) => {
        if (state === 'stopped') {
          await incarnation.stop();
          return;
        }
        current = incarnation;
        currentId++;
        state = 'connected';
        const upSince = options.now();
        settleWaiters({ value: incarnation.value, id: currentId });
        void incarnation.exited.then((reason) => {
          if (current !== incarnation) return;
          current = undefined;
          scheduleRestart(reason, upSince);
        });
      },
      (err: unknown) => scheduleRestart(err instanceof Error ? err.message : String(err), undefined),
    );
    starting = attempt;
    void attempt.finally(() => {
      if (starting === attempt) starting = undefined;
    });
  }

  run();

  return {
    /** The running incarnation, waiting up to waitMs while one is starting. */
    acquire(waitMs: number, signal: AbortSignal): Promise<{ value: T; id: number }> {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (state === 'connected' && current) return Promise.resolve({ value: current.value, id: currentId });
      if (state === 'stopped') return Promise.reject(unavailable('is stopped (its McpServer was changed or removed, or Gantry is shutting down)'));
      if (state === 'backoff') return Promise.reject(unavailable(`is down and restarting (${lastError ?? 'it exited'})`));
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', onAbort);
          waiters.delete(waiter);
        };
        const waiter: Waiter<T> = {
          resolve: (v) => {
            done();
            resolve(v);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        };
        const onAbort = () => waiter.reject(signal.reason);
        const t = setTimeout(() => waiter.reject(unavailable(`is still starting after ${waitMs} ms`)), waitMs);
        signal.addEventListener('abort', onAbort, { once: true });
        waiters.add(waiter);
      });
    },
    /** The incarnation with this id failed a request as a connection failure: restart it. */
    broken(id: number): void {
      if (id === currentId && current) void current.stop();
    },
    status() {
      return { state, restarts, lastError, pid: state === 'connected' ? current?.pid : undefined };
    },
    async close(): Promise<void> {
      if (state === 'stopped') return;
      state = 'stopped';
      if (timer) clearTimeout(timer);
      settleWaiters(unavailable('is stopped'));
      closing.abort();
      const running = current;
      current = undefined;
      await Promise.all([starting, running?.stop()]);
    },
  };
}

export type Supervisor<T> = ReturnType<typeof createSupervisor<T>>;
