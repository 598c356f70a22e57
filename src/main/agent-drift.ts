import diagnosticsChannel from 'node:diagnostics_channel';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { CounterStore } from '../storage/ports/counter-store.js';
import { type DriftKind, type DriftObservation, type DriftStore, driftKey } from '../storage/ports/drift-store.js';
import type { AgentDriftMessage, AlertMessage, TelemetryChannels } from '../telemetry/channels.js';

const DAY_MS = 86_400_000;
/** Offered function names come from request bodies: stored and alerted on cut to this length. */
const MAX_ITEM = 200;

export interface AgentDriftOptions {
  readonly store: Pick<DriftStore, 'record'>;
  /** Deduplicates alerts across processes and replicas: one per (agent, kind, item) and UTC day. */
  readonly counters: Pick<CounterStore, 'claimOnce'>;
  readonly channels: Pick<TelemetryChannels, 'agentDrift' | 'alert'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often findings are written and alerts raised (default 2 s; 0: only by flush()). */
  readonly flushMs?: number;
  /** Distinct (agent, kind, item) kept between flushes (default 10,000); beyond, occurrences are counted and dropped. */
  readonly maxKeys?: number;
}

export interface AgentDriftDetector {
  /** Writes the aggregated findings (one batch) and raises the alerts due; never throws. */
  flush(): Promise<void>;
  /** Occurrences dropped because maxKeys distinct findings were already waiting. */
  overflowed(): number;
  /** Unsubscribes and flushes a last time. Call before the alert delivery and the store close. */
  close(): Promise<void>;
}

interface Pending {
  agent: string;
  team: string;
  kind: DriftKind;
  item: string;
  firstAt: number;
  at: number;
  count: number;
}

const utcDay = (ms: number) => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

/** The alert of one finding: stable id per (agent, kind, item, UTC day of the occurrence), so replicas dedupe. */
export function driftAlert(o: DriftObservation, now: number): AlertMessage {
  const day = utcDay(o.at);
  const who = `Agent "${o.agent}" (team ${o.team})`;
  const summary =
    o.kind === 'unregistered_agent'
      ? `Unregistered agent "${o.agent}" seen in traffic of team ${o.team}.`
      : o.kind === 'undeclared_model'
        ? `${who} asked for model "${o.item}" outside its declaration.`
        : o.kind === 'undeclared_tool'
          ? `${who} called tool "${o.item}" outside its declaration.`
          : `${who} offered the model function tool "${o.item}", which it does not declare.`;
  return {
    type: 'agent_drift',
    // Per team as the findings are: two teams' traffic under one unregistered name are two alerts.
    id: `agent_drift:${o.kind}:${o.team}:${o.agent}${o.item === '' ? '' : `:${o.item}`}:${day}`,
    at: now,
    subject: `agent:${o.agent}`,
    window: day,
    spentMicros: 0,
    referenceMicros: 0,
    summary,
  };
}

/**
 * Drift detection (docs/agents.md#drift-detection): subscribes to the data plane's agentDrift channel,
 * counts occurrences in memory per (agent, kind, item, team), and every flushMs writes them to the DriftStore
 * in one batch (never per request) and raises an `agent_drift` alert for each finding not yet alerted
 * on that UTC day (claimOnce on the shared counter store: one process of all replicas alerts). The
 * alert reaches the metric, the audit log and the webhook through the alert channel's subscribers.
 */
export function startAgentDrift(options: AgentDriftOptions): AgentDriftDetector {
  const { store, counters, channels, clock } = options;
  const logger = options.logger.child({ component: 'agent-drift' });
  const maxKeys = options.maxKeys ?? 10_000;
  const flushMs = options.flushMs ?? 2_000;
  let pending = new Map<string, Pending>();
  /** Alert ids this process already claimed or saw claimed (saves a counter call per flush); bounded. */
  const alerted = new Set<string>();
  let overflow = 0;
  let writeFailures = 0;
  let running: Promise<void> | undefined;

  function add(o: Omit<Pending, 'firstAt'> & { firstAt?: number }): boolean {
    const key = driftKey(o);
    const entry = pending.get(key);
    if (entry) {
      entry.count += o.count;
      entry.firstAt = Math.min(entry.firstAt, o.firstAt ?? o.at);
      entry.at = Math.max(entry.at, o.at);
      return true;
    }
    if (pending.size >= maxKeys) {
      if (overflow === 0) logger.warn({ maxKeys }, 'too many distinct agent drift findings between two flushes; further new ones are counted but not stored until the next flush');
      overflow += o.count;
      return false;
    }
    pending.set(key, { ...o, firstAt: o.firstAt ?? o.at });
    return true;
  }

  const onDrift = (message: unknown) => {
    const m = message as AgentDriftMessage;
    add({ agent: m.agent, team: m.team, kind: m.kind, item: m.item.length > MAX_ITEM ? m.item.slice(0, MAX_ITEM) : m.item, at: m.at, count: 1 });
  };
  // By name (a strong reference): a subscription on a channel object alone could be collected.
  const channelName = channels.agentDrift.name;
  diagnosticsChannel.subscribe(channelName, onDrift);

  async function alert(batch: readonly DriftObservation[]): Promise<void> {
    const now = clock.now();
    if (alerted.size > maxKeys * 4) alerted.clear(); // the counter store still deduplicates
    let failed = 0;
    for (const o of batch) {
      const message = driftAlert(o, now);
      if (alerted.has(message.id)) continue;
      const dayStart = Math.floor(o.at / DAY_MS) * DAY_MS;
      try {
        // Kept until the day after: late replicas of the same day still see the claim.
        if (await counters.claimOnce(`alert:${message.id}`, now, Math.max(1, dayStart + 2 * DAY_MS - now))) channels.alert.publish(message);
        alerted.add(message.id);
      } catch (err) {
        if (failed++ === 0) logger.warn({ err }, 'could not claim an agent drift alert (counter store unreachable?); it is tried again at the next occurrence');
      }
    }
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0) return;
    const batch: DriftObservation[] = [...pending.values()];
    pending = new Map();
    try {
      await store.record(batch);
      if (writeFailures > 0) logger.info({ failures: writeFailures }, 'agent drift findings written again after failures');
      writeFailures = 0;
    } catch (err) {
      writeFailures += 1;
      // Back into the next batch (within maxKeys); logged on the first failure and then every 10th.
      for (const o of batch) add({ ...o });
      if (writeFailures === 1 || writeFailures % 10 === 0) logger.warn({ err, findings: pending.size, failures: writeFailures }, 'writing agent drift findings failed; keeping them and retrying');
    }
    await alert(batch);
  }

  function flush(): Promise<void> {
    running ??= flushOnce()
      .catch((err: unknown) => logger.warn({ err }, 'agent drift flush failed'))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = flushMs > 0 ? setInterval(() => void flush(), flushMs) : undefined;
  timer?.unref();

  return {
    flush,
    overflowed: () => overflow,
    async close() {
      if (timer) clearInterval(timer);
      diagnosticsChannel.unsubscribe(channelName, onDrift);
      if (running) await running;
      await flush();
      if (pending.size > 0) logger.error({ lost: pending.size }, 'shutdown: agent drift findings could not be written (the store is unreachable); they are lost');
      if (overflow > 0) logger.warn({ dropped: overflow }, 'agent drift occurrences dropped since start because too many distinct findings were waiting');
    },
  };
}
