import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Wall clock, epoch milliseconds (for timestamps). */
  now(): number;
  /** Monotonic milliseconds with sub-ms precision (for durations). */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

/** Epoch ms → RFC 3339 (UTC), the one timestamp format of the admin API and resource status. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
