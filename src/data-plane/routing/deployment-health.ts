/**
 * Per-process health of every deployment (keyed by model and deployment id), kept across snapshot
 * swaps: circuit breaker, EWMA latency and TTFT, requests in flight. The upstream caller feeds it;
 * the admin API, /metrics and the active health checks read it. Per process on purpose (like
 * Envoy's outlier detection): each replica judges the upstreams it reaches itself.
 *
 * INTERFACE ONLY here; the implementation comes with the resilience work.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface DeploymentStatus {
  readonly model: string;
  readonly deployment: string;
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** Epoch ms when an open breaker lets a probe through; undefined unless open. */
  readonly retryAt: number | undefined;
  readonly inFlight: number;
  /** Exponentially weighted moving averages of successful calls; undefined before the first. */
  readonly ewmaLatencyMs: number | undefined;
  readonly ewmaTtftMs: number | undefined;
  readonly successes: number;
  readonly failures: number;
  /** Code of the last failure (never a message from the upstream: it may echo the prompt). */
  readonly lastError: string | undefined;
  /** Epoch ms of the last call or probe. */
  readonly lastSeenAt: number | undefined;
}

export interface DeploymentHealthReader {
  /** Every deployment seen since the process started, sorted by model then deployment. */
  list(): DeploymentStatus[];
  /**
   * Result of an active health check (main/ runs them): success closes an open or half-open
   * breaker; failure counts like a failed call.
   */
  recordProbe(model: string, deployment: string, ok: boolean, code: string | undefined, breaker: { failures: number; cooldownMs: number }): void;
}
