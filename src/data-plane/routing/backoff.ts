import type { CancelSignal } from '../../kernel/cancellation.js';

export interface BackoffPolicy {
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/**
 * How long to wait before retry number `retry` (1 for the first) on the same deployment:
 * exponential backoff with full jitter (AWS architecture blog: spreads retries of many clients
 * best), at least the upstream's `retry-after`. Undefined when the wait would exceed maxBackoffMs:
 * then the request fails over instead of holding the client that long.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, retryAfterSeconds: number | undefined, rng: () => number): number | undefined {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(rng() * ceiling);
  if (retryAfterSeconds === undefined) return jittered;
  const asked = retryAfterSeconds * 1000;
  if (asked > policy.maxBackoffMs) return undefined;
  return Math.max(asked, jittered);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts (a client that left is not kept waiting for). */
export function abortableSleep(ms: number, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
