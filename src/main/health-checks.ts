import { applyOutputCap } from '../data-plane/limits/chat-input.js';
import type { DeploymentHealthReader } from '../data-plane/routing/deployment-health.js';
import type { CompiledDeployment, CompiledModel, SnapshotSource } from '../data-plane/snapshot.js';
import { Cancellation } from '../kernel/cancellation.js';
import type { Clock } from '../kernel/clock.js';
import { GatewayError, toGatewayError } from '../kernel/errors/index.js';
import type { Logger } from '../kernel/logger.js';
import type { ChatCompletionRequest } from '../kernel/wire/openai.js';

export interface HealthChecksDeps {
  readonly snapshots: SnapshotSource;
  readonly health: DeploymentHealthReader;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often the snapshot is checked for new, removed or changed health checks. Default 1000. */
  readonly reconcileMs?: number;
}

export interface HealthChecks {
  /** Deployments being probed now (for tests and logs). */
  probing(): string[];
  /** Stops every timer and aborts probes in flight; resolves once they settled. */
  close(): Promise<void>;
}

/** One probed deployment: its timer and what the next probe uses (updated on snapshot swaps). */
interface Probe {
  readonly model: string;
  readonly deploymentId: string;
  readonly intervalMs: number;
  type: CompiledModel['type'];
  deployment: CompiledDeployment;
  timeoutMs: number;
  breaker: { failures: number; cooldownMs: number };
  timer: ReturnType<typeof setInterval>;
  /** The probe in flight, if any: a slow upstream never gets a second probe on top of the first. */
  running: Promise<void> | undefined;
  cancel: Cancellation | undefined;
  stopped: boolean;
}

const keyOf = (model: string, deployment: string) => `${model}\u0000${deployment}`;

/**
 * Active health checks (Model spec.routing.healthCheck): every deployment of such a model gets a
 * tiny request every intervalMs through its provider, and the result goes to the deployment health
 * (a success closes an open breaker early, a failure counts like a failed call). Probes are NOT
 * metered as usage: nobody's budget pays for them; they are the platform's cost (docs say so).
 * Per process, like the health they feed. Follows the snapshot: new deployments start being probed,
 * removed ones stop, a changed interval restarts the timer.
 */
export function startHealthChecks(deps: HealthChecksDeps): HealthChecks {
  const probes = new Map<string, Probe>();
  // Every probe in flight, also of deployments replaced or removed meanwhile: close() awaits them all.
  const inFlight = new Set<Promise<void>>();
  let seen: unknown;
  let closed = false;

  async function runProbe(p: Probe): Promise<void> {
    const cancel = new Cancellation();
    p.cancel = cancel;
    const started = deps.clock.monotonic();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The timeout rejects even if a provider were slow to honour the signal.
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new GatewayError('GW_UPSTREAM_TIMEOUT', `The health check of ${p.deploymentId} took longer than ${p.timeoutMs} ms.`);
        cancel.abort(err);
        reject(err);
      }, p.timeoutMs);
      cancel.addEventListener('abort', () => reject(cancel.reason));
    });
    timedOut.catch(() => undefined);
    const d = p.deployment;
    const ctx = { requestId: `probe_${p.model}_${p.deploymentId}`, deployment: d.target, signal: cancel.signal };
    let ok = false;
    let code: string | undefined;
    try {
      if (p.type === 'embedding') {
        await Promise.race([d.provider.embeddings({ model: d.target.upstreamModel, input: 'ping' }, ctx), timedOut]);
      } else {
        const request: ChatCompletionRequest = { model: d.target.upstreamModel, messages: [{ role: 'user', content: 'ping' }] };
        applyOutputCap(request, 1, d.target.upstreamModel);
        await Promise.race([d.provider.chat(request, ctx), timedOut]);
      }
      ok = true;
    } catch (err) {
      code = toGatewayError(err).code;
    } finally {
      clearTimeout(timer);
      p.cancel = undefined;
    }
    // Shutting down or removed: an aborted probe says nothing about the upstream.
    if (p.stopped) return;
    try {
      deps.health.recordProbe(p.model, p.deploymentId, ok, code, p.breaker);
    } catch (err) {
      deps.logger.error({ err, model: p.model, deployment: p.deploymentId }, 'recording a health check result failed');
    }
    if (!ok) deps.logger.debug({ model: p.model, deployment: p.deploymentId, code, ms: Math.round(deps.clock.monotonic() - started) }, 'health check failed');
  }

  function tick(p: Probe): void {
    if (p.running || p.stopped) return;
    const running = runProbe(p).finally(() => {
      p.running = undefined;
      inFlight.delete(running);
    });
    p.running = running;
    inFlight.add(running);
  }

  function stop(p: Probe): void {
    p.stopped = true;
    clearInterval(p.timer);
    p.cancel?.abort(new GatewayError('GW_UPSTREAM_TIMEOUT', 'The health check was stopped.'));
  }

  function start(model: CompiledModel, d: CompiledDeployment, check: { intervalMs: number; timeoutMs: number }): Probe {
    const p: Probe = {
      model: model.name,
      deploymentId: d.target.id,
      intervalMs: check.intervalMs,
      type: model.type,
      deployment: d,
      timeoutMs: check.timeoutMs,
      breaker: model.routing.breaker,
      timer: setInterval(() => tick(p), check.intervalMs),
      running: undefined,
      cancel: undefined,
      stopped: false,
    };
    p.timer.unref();
    return p;
  }

  function reconcile(): void {
    const snapshot = deps.snapshots.current();
    if (closed || snapshot === seen) return;
    seen = snapshot;
    const wanted = new Set<string>();
    for (const model of snapshot?.models.values() ?? []) {
      const check = model.routing.healthCheck;
      if (!check) continue;
      for (const d of model.deployments) {
        const key = keyOf(model.name, d.target.id);
        wanted.add(key);
        const existing = probes.get(key);
        if (existing && existing.intervalMs === check.intervalMs) {
          // Same cadence: the next probe uses the new provider, timeout and breaker settings.
          existing.deployment = d;
          existing.type = model.type;
          existing.timeoutMs = check.timeoutMs;
          existing.breaker = model.routing.breaker;
          continue;
        }
        if (existing) stop(existing);
        probes.set(key, start(model, d, check));
      }
    }
    for (const [key, p] of probes) {
      if (wanted.has(key)) continue;
      stop(p);
      probes.delete(key);
    }
  }

  reconcile();
  const reconciler = setInterval(reconcile, deps.reconcileMs ?? 1_000);
  reconciler.unref();

  return {
    probing: () => [...probes.values()].map((p) => `${p.model}/${p.deploymentId}`),
    async close() {
      closed = true;
      clearInterval(reconciler);
      for (const p of probes.values()) stop(p);
      probes.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
