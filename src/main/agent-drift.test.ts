import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../kernel/logger.js';
import { silentLogger } from '../kernel/logger.js';
import { createMemoryCounterState, createMemoryCounterStore } from '../storage/memory/counter-store.js';
import { createMemoryDriftStore } from '../storage/memory/drift-store.js';
import type { DriftObservation, DriftStore } from '../storage/ports/drift-store.js';
import { type AgentDriftMessage, type AlertMessage, CHANNEL_NAMES, telemetryChannels } from '../telemetry/channels.js';
import { type AgentDriftDetector, driftAlert, startAgentDrift } from './agent-drift.js';
import { slackPayload } from './alerts/payload.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 3, 9);
const channels = telemetryChannels();

function drift(overrides: Partial<AgentDriftMessage> = {}): void {
  const m: AgentDriftMessage = { kind: 'undeclared_tool', agent: 'helper-bot', team: 'support', item: 'demo__delete_everything', requestId: 'r', at: now, ...overrides };
  channels.agentDrift.publish(m);
}

let now = T0;
const clock = { now: () => now, monotonic: () => 0 };
let alerts: AlertMessage[] = [];
const onAlert = (m: unknown) => alerts.push(m as AlertMessage);
const started: AgentDriftDetector[] = [];

function detector(options: { store?: Pick<DriftStore, 'record'>; counterState?: ReturnType<typeof createMemoryCounterState>; maxKeys?: number; logger?: Logger } = {}) {
  const store = options.store ?? createMemoryDriftStore();
  const counters = createMemoryCounterStore({ owner: `test-${started.length}`, ...(options.counterState ? { state: options.counterState } : {}) });
  const d = startAgentDrift({ store, counters, channels, clock, logger: options.logger ?? silentLogger, flushMs: 0, ...(options.maxKeys ? { maxKeys: options.maxKeys } : {}) });
  started.push(d);
  return d;
}

beforeEach(() => {
  now = T0;
  alerts = [];
  diagnosticsChannel.subscribe(CHANNEL_NAMES.alert, onAlert);
});
afterEach(async () => {
  diagnosticsChannel.unsubscribe(CHANNEL_NAMES.alert, onAlert);
  await Promise.all(started.splice(0).map((d) => d.close()));
});

describe('agent drift detector', () => {
  it('aggregates occurrences per (agent, kind, item, team) and writes them in one batch at flush', async () => {
    const batches: DriftObservation[][] = [];
    const store = createMemoryDriftStore();
    const d = detector({ store: { record: async (b) => void batches.push([...b]) } });
    drift();
    now += 1_000;
    drift();
    drift({ team: 'support-2' });
    drift({ item: 'demo__echo' });
    drift({ kind: 'unregistered_agent', agent: 'shadow-bot', item: '' });
    expect(batches).toEqual([]); // nothing is written per request
    await d.flush();
    expect(batches).toHaveLength(1);
    await store.record(batches[0] ?? []);
    expect(await store.list({ since: 0 })).toEqual(
      expect.arrayContaining([
        { agent: 'helper-bot', team: 'support', kind: 'undeclared_tool', item: 'demo__delete_everything', firstSeen: T0, lastSeen: T0 + 1_000, count: 2 },
        // Another team's keys: its own finding (it never sees nor moves the other team's).
        { agent: 'helper-bot', team: 'support-2', kind: 'undeclared_tool', item: 'demo__delete_everything', firstSeen: T0 + 1_000, lastSeen: T0 + 1_000, count: 1 },
        expect.objectContaining({ agent: 'helper-bot', item: 'demo__echo', count: 1 }),
        expect.objectContaining({ agent: 'shadow-bot', kind: 'unregistered_agent', item: '', count: 1 }),
      ]),
    );
    await d.flush();
    expect(batches).toHaveLength(1); // an empty flush writes nothing
  });

  it('raises one alert per finding and day, with a stable id, even when seen again and across flushes', async () => {
    const d = detector();
    drift({ kind: 'unregistered_agent', agent: 'shadow-bot', item: '' });
    drift();
    await d.flush();
    drift();
    drift({ kind: 'unregistered_agent', agent: 'shadow-bot', item: '' });
    await d.flush();
    expect(alerts.map((a) => a.summary).sort()).toEqual([
      'Agent "helper-bot" (team support) called tool "demo__delete_everything" outside its declaration.',
      'Unregistered agent "shadow-bot" seen in traffic of team support.',
    ]);
    expect(alerts.find((a) => a.subject === 'agent:shadow-bot')).toEqual({
      type: 'agent_drift',
      id: 'agent_drift:unregistered_agent:support:shadow-bot:2026-11-03',
      at: T0,
      subject: 'agent:shadow-bot',
      window: '2026-11-03',
      spentMicros: 0,
      referenceMicros: 0,
      summary: 'Unregistered agent "shadow-bot" seen in traffic of team support.',
    });
    // The next UTC day alerts again.
    now = T0 + DAY;
    drift();
    await d.flush();
    expect(alerts.map((a) => a.id)).toContain('agent_drift:undeclared_tool:support:helper-bot:demo__delete_everything:2026-11-04');
    expect(alerts).toHaveLength(3);
  });

  it('alerts each team once for the same unregistered name (each team sees only its own alert)', async () => {
    const d = detector();
    drift({ kind: 'unregistered_agent', agent: 'shadow-bot', item: '' });
    drift({ kind: 'unregistered_agent', agent: 'shadow-bot', item: '', team: 'payments' });
    await d.flush();
    expect(alerts.map((a) => a.summary).sort()).toEqual([
      'Unregistered agent "shadow-bot" seen in traffic of team payments.',
      'Unregistered agent "shadow-bot" seen in traffic of team support.',
    ]);
  });

  it('alerts once across replicas sharing the counter store', async () => {
    const counterState = createMemoryCounterState();
    const [a, b] = [detector({ counterState }), detector({ counterState })];
    // Both replicas' detectors see the same channel here; each aggregates and flushes on its own.
    drift({ kind: 'undeclared_model', item: 'sim-large' });
    await Promise.all([a.flush(), b.flush()]);
    expect(alerts.map((x) => x.id)).toEqual(['agent_drift:undeclared_model:support:helper-bot:sim-large:2026-11-03']);
    expect(alerts[0]?.summary).toBe('Agent "helper-bot" (team support) asked for model "sim-large" outside its declaration.');
  });

  it('keeps findings when the store fails and writes them at the next flush, alerting only once', async () => {
    let fail = true;
    const store = createMemoryDriftStore();
    const d = detector({
      store: {
        record: async (b) => {
          if (fail) throw new Error('database down');
          await store.record(b);
        },
      },
    });
    drift();
    drift();
    await d.flush();
    expect(alerts).toHaveLength(1); // alerts do not wait for the store
    drift();
    fail = false;
    await d.flush();
    expect(await store.list({ since: 0 })).toEqual([expect.objectContaining({ count: 3 })]);
    expect(alerts).toHaveLength(1);
  });

  it('bounds memory: beyond maxKeys distinct findings new ones are counted and dropped (logged once); known ones still count', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_o: unknown, msg?: string) => void warnings.push(String(msg)), child: () => logger } as Logger;
    const store = createMemoryDriftStore();
    const d = detector({ store, maxKeys: 3, logger });
    for (let i = 0; i < 10; i++) drift({ item: `tool-${i}` });
    drift({ item: 'tool-0' });
    expect(d.overflowed()).toBe(7);
    expect(warnings.filter((w) => w.includes('too many distinct'))).toHaveLength(1);
    await d.flush();
    const found = await store.list({ since: 0 });
    expect(found.map((f) => `${f.item}:${f.count}`).sort()).toEqual(['tool-0:2', 'tool-1:1', 'tool-2:1']);
    // After a flush there is room again.
    drift({ item: 'tool-9' });
    await d.flush();
    expect((await store.list({ since: 0 })).map((f) => f.item)).toContain('tool-9');
  });

  it('cuts very long offered function names (they come from request bodies)', async () => {
    const store = createMemoryDriftStore();
    const d = detector({ store });
    drift({ kind: 'offered_tool', item: 'x'.repeat(5_000) });
    await d.flush();
    expect((await store.list({ since: 0 }))[0]?.item).toHaveLength(200);
    expect(alerts[0]?.summary).toMatch(/^Agent "helper-bot" \(team support\) offered the model function tool "x{200}", which it does not declare\.$/);
  });

  it('close() writes what is pending and stops listening', async () => {
    const store = createMemoryDriftStore();
    const d = detector({ store });
    drift();
    await d.close();
    drift({ item: 'after-close' });
    expect(await store.list({ since: 0 })).toEqual([expect.objectContaining({ item: 'demo__delete_everything', count: 1 })]);
    expect(alerts).toHaveLength(1);
  });
});

describe('driftAlert', () => {
  it('names the UTC day of the occurrence, not of the flush', () => {
    const late = driftAlert({ agent: 'a', team: 't', kind: 'undeclared_tool', item: 's__x', at: Date.UTC(2026, 10, 3, 23, 59, 59), count: 1 }, Date.UTC(2026, 10, 4, 0, 0, 1));
    expect(late.window).toBe('2026-11-03');
    expect(late.id).toBe('agent_drift:undeclared_tool:t:a:s__x:2026-11-03');
  });

  it('renders for Slack as drift, without money', () => {
    const alert = driftAlert({ agent: 'shadow-bot', team: 'support', kind: 'unregistered_agent', item: '', at: T0, count: 1 }, T0);
    const text = JSON.stringify(slackPayload(alert));
    expect(text).toContain('Agent drift: agent:shadow-bot');
    expect(text).toContain('day 2026-11-03 (UTC) · alert agent_drift:unregistered_agent:support:shadow-bot:2026-11-03');
    expect(text).not.toContain('$');
  });
});
