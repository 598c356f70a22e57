import type { Clock } from '../../kernel/clock.js';
import type { BreakerChangeMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RuntimeSnapshot } from '../snapshot.js';

/**
 * Per-process health of every deployment (keyed by model and deployment id), kept across snapshot
 * swaps: circuit breaker, EWMA latency and TTFT, requests in flight. The upstream caller feeds it;
 * the admin API, /metrics and the active health checks read it. Per process on purpose (like
 * Envoy's outlier detection): each replica judges the upstreams it reaches itself.
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

export interface BreakerConfig {
  readonly failures: number;
  readonly cooldownMs: number;
}

/** How one call ended, as far as the deployment's health is concerned. */
export type AttemptOutcome =
  | { readonly kind: 'success'; readonly latencyMs: number; readonly ttftMs: number | undefined }
  | { readonly kind: 'failure'; readonly code: string }
  /** The deployment answered but refused this request (a 400, a content filter): it is up. */
  | { readonly kind: 'answered' }
  /** The client left: says nothing about the deployment. */
  | { readonly kind: 'abandoned' };

/** One call in flight on a deployment. */
export interface AttemptTicket {
  /** Records the outcome (once) and keeps the call counted in flight. */
  record(outcome: AttemptOutcome): void;
  /** The call no longer occupies the deployment (idempotent). */
  release(): void;
  /** record + release. */
  end(outcome: AttemptOutcome): void;
}

/** What a routing strategy reads about a deployment. */
export interface HealthView {
  /** Whether a call may go there now (closed; or open past its cooldown, or half-open, with no probe out). */
  available(model: string, deployment: string): boolean;
  /** Live numbers, undefined for a deployment never called. */
  stats(model: string, deployment: string): Pick<DeploymentStatus, 'inFlight' | 'ewmaLatencyMs' | 'ewmaTtftMs'> | undefined;
}

export interface DeploymentHealth extends DeploymentHealthReader, HealthView {
  /** Claims a call; undefined when the breaker refuses it (open, or half-open with its one probe out). */
  begin(model: string, deployment: string, breaker: BreakerConfig): AttemptTicket | undefined;
  /** Epoch ms when the first of these deployments lets a probe through (undefined: none is open). */
  retryAt(model: string, deployments: readonly string[]): number | undefined;
  /**
   * Forgets deployments the snapshot no longer has, and ones idle for an hour (bounded memory).
   * Cheap to call on every request: it works only when the snapshot changed or once a minute.
   */
  retain(snapshot: RuntimeSnapshot): void;
}

interface Entry {
  readonly model: string;
  readonly deployment: string;
  state: BreakerState;
  consecutiveFailures: number;
  retryAt: number | undefined;
  /** A half-open breaker lets one call through at a time. */
  probing: boolean;
  inFlight: number;
  ewmaLatencyMs: number | undefined;
  ewmaTtftMs: number | undefined;
  successes: number;
  failures: number;
  lastError: string | undefined;
  lastSeenAt: number | undefined;
}

/** The health of a deployment never called yet: a closed breaker and no data. */
export const NEVER_CALLED: Readonly<Omit<DeploymentStatus, 'model' | 'deployment'>> = Object.freeze({
  state: 'closed',
  consecutiveFailures: 0,
  retryAt: undefined,
  inFlight: 0,
  ewmaLatencyMs: undefined,
  ewmaTtftMs: undefined,
  successes: 0,
  failures: 0,
  lastError: undefined,
  lastSeenAt: undefined,
});

/** Weight of the newest sample: the average follows a change within a handful of calls. */
const EWMA_ALPHA = 0.3;
const IDLE_FORGET_MS = 3_600_000;
const SWEEP_EVERY_MS = 60_000;

const ewma = (prev: number | undefined, sample: number) => (prev === undefined ? sample : prev + EWMA_ALPHA * (sample - prev));
const keyOf = (model: string, deployment: string) => `${model}\u0000${deployment}`;

export function createDeploymentHealth({ clock, channels }: { clock: Pick<Clock, 'now'>; channels: Pick<TelemetryChannels, 'breakerChange'> }): DeploymentHealth {
  const entries = new Map<string, Entry>();
  let retained: RuntimeSnapshot | undefined;
  let lastSweep = Number.NEGATIVE_INFINITY;

  function entryOf(model: string, deployment: string): Entry {
    const key = keyOf(model, deployment);
    let e = entries.get(key);
    if (!e) {
      e = { model, deployment, ...NEVER_CALLED, probing: false };
      entries.set(key, e);
    }
    return e;
  }

  function transition(e: Entry, to: BreakerState, reason: string, cooldownMs = 0): void {
    const from = e.state;
    e.state = to;
    e.retryAt = to === 'open' ? clock.now() + cooldownMs : undefined;
    if (to !== 'half_open') e.probing = false;
    if (to === 'closed') e.consecutiveFailures = 0;
    if (from !== to && channels.breakerChange.hasSubscribers) {
      const message: BreakerChangeMessage = { model: e.model, deployment: e.deployment, from, to, reason };
      channels.breakerChange.publish(message);
    }
  }

  function fail(e: Entry, code: string, breaker: BreakerConfig, probe: boolean): void {
    e.failures++;
    e.consecutiveFailures++;
    e.lastError = code;
    if (e.state === 'half_open' || probe) transition(e, 'open', `probe failed (${code})`, breaker.cooldownMs);
    else if (e.state === 'closed' && e.consecutiveFailures >= breaker.failures) {
      transition(e, 'open', `${e.consecutiveFailures} consecutive failures (${code})`, breaker.cooldownMs);
    }
  }

  function available(e: Entry | undefined, now: number): boolean {
    if (!e || e.state === 'closed') return true;
    if (e.state === 'half_open') return !e.probing;
    return e.retryAt !== undefined && now >= e.retryAt;
  }

  function sweep(snapshot: RuntimeSnapshot, now: number): void {
    for (const [key, e] of entries) {
      const model = snapshot.models.get(e.model);
      const configured = model?.deployments.some((d) => d.target.id === e.deployment) ?? false;
      const idle = e.inFlight === 0 && (e.lastSeenAt === undefined || now - e.lastSeenAt > IDLE_FORGET_MS);
      if (!configured || idle) entries.delete(key);
    }
  }

  return {
    available: (model, deployment) => available(entries.get(keyOf(model, deployment)), clock.now()),

    stats: (model, deployment) => entries.get(keyOf(model, deployment)),

    begin(model, deployment, breaker) {
      const now = clock.now();
      const e = entryOf(model, deployment);
      if (!available(e, now)) return undefined;
      let probe = false;
      if (e.state === 'open') transition(e, 'half_open', 'cooldown elapsed: one probe let through');
      if (e.state === 'half_open') {
        e.probing = true;
        probe = true;
      }
      e.inFlight++;
      e.lastSeenAt = now;
      let recorded = false;
      let released = false;
      const ticket: AttemptTicket = {
        record(outcome) {
          if (recorded) return;
          recorded = true;
          e.lastSeenAt = clock.now();
          switch (outcome.kind) {
            case 'success':
              e.successes++;
              e.consecutiveFailures = 0;
              e.ewmaLatencyMs = ewma(e.ewmaLatencyMs, outcome.latencyMs);
              if (outcome.ttftMs !== undefined) e.ewmaTtftMs = ewma(e.ewmaTtftMs, outcome.ttftMs);
              if (e.state !== 'closed') transition(e, 'closed', probe ? 'probe succeeded' : 'a call succeeded');
              break;
            case 'answered':
              e.consecutiveFailures = 0;
              if (e.state !== 'closed') transition(e, 'closed', probe ? 'probe answered' : 'a call was answered');
              break;
            case 'failure':
              fail(e, outcome.code, breaker, probe);
              break;
            case 'abandoned':
              // The probe slot is free again: the next request probes instead.
              if (probe && e.state === 'half_open') e.probing = false;
              break;
          }
        },
        release() {
          if (released) return;
          released = true;
          e.inFlight--;
        },
        end(outcome) {
          ticket.record(outcome);
          ticket.release();
        },
      };
      return ticket;
    },

    retryAt(model, deployments) {
      let earliest: number | undefined;
      for (const d of deployments) {
        const at = entries.get(keyOf(model, d))?.retryAt;
        if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
      }
      return earliest;
    },

    retain(snapshot) {
      const now = clock.now();
      // A request still served from an older snapshot must not sweep away the newer one's deployments.
      if (retained && snapshot.generation < retained.generation) return;
      if (snapshot === retained && now - lastSweep < SWEEP_EVERY_MS) return;
      retained = snapshot;
      lastSweep = now;
      sweep(snapshot, now);
    },

    list() {
      return [...entries.values()]
        .map((e): DeploymentStatus => ({
          model: e.model,
          deployment: e.deployment,
          state: e.state,
          consecutiveFailures: e.consecutiveFailures,
          retryAt: e.retryAt,
          inFlight: e.inFlight,
          ewmaLatencyMs: e.ewmaLatencyMs,
          ewmaTtftMs: e.ewmaTtftMs,
          successes: e.successes,
          failures: e.failures,
          lastError: e.lastError,
          lastSeenAt: e.lastSeenAt,
        }))
        .sort((a, b) => (a.model === b.model ? (a.deployment < b.deployment ? -1 : 1) : a.model < b.model ? -1 : 1));
    },

    recordProbe(model, deployment, ok, code, breaker) {
      const e = entryOf(model, deployment);
      e.lastSeenAt = clock.now();
      if (ok) {
        e.consecutiveFailures = 0;
        if (e.state !== 'closed') transition(e, 'closed', 'health check succeeded');
        return;
      }
      const failing = code ?? 'health_check_failed';
      // A failed check keeps an open breaker open for another cooldown: the deployment is still down.
      if (e.state === 'open') {
        e.failures++;
        e.consecutiveFailures++;
        e.lastError = failing;
        e.retryAt = clock.now() + breaker.cooldownMs;
        return;
      }
      fail(e, failing, breaker, false);
    },
  };
}
