import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetCounterKey } from '../../src/data-plane/limits/plan.js';
import type { CompiledBudget } from '../../src/data-plane/snapshot.js';
import type { CounterStore } from '../../src/storage/ports/counter-store.js';
import { openSqliteCounterStore } from '../../src/storage/sqlite/counter-store.js';
import { openRedisCounterStore } from '../../src/storage/redis/counter-store.js';
import { describeRedis, REDIS_URL } from '../helpers/redis.js';
import { readThenDisconnect } from './helpers/abort-stream.js';
import { eventually, type RunningGantry, startGantry } from './helpers/processes.js';

/**
 * Issue 7's invariant: 1,000 concurrent requests through 3 gateway processes against one hard budget
 * that fits a fraction of them. Committed spend never exceeds the limit, equals the sum of the
 * usage events, and nothing stays reserved. Run with SQLite-shared and Redis-shared counters.
 */
const LIMIT_MICROS = 20_000; // $0.02
const CONFIG = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: inv-chat}
spec:
  provider: simulator
  upstreamModel: sim-small
  pricing: {inputPer1M: "1.00", outputPer1M: "4.00"}
  limits: {maxOutputTokens: 64}
  faults: {ttftMs: 20, tokensPerSecond: 2000}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: inv-slow}
spec:
  provider: simulator
  upstreamModel: sim-small
  pricing: {inputPer1M: "1.00", outputPer1M: "4.00"}
  limits: {maxOutputTokens: 64}
  faults: {ttftMs: 5, tokensPerSecond: 4}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: inv-cut}
spec:
  provider: simulator
  upstreamModel: sim-small
  pricing: {inputPer1M: "1.00", outputPer1M: "4.00"}
  limits: {maxOutputTokens: 64}
  faults: {ttftMs: 5, tokensPerSecond: 2000, cutStreamAfterChunks: 4}
---
apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: inv}
spec: {displayName: Invariant}
---
apiVersion: gantry/v1alpha1
kind: ApiKey
metadata: {name: inv-key}
spec: {team: inv}
---
apiVersion: gantry/v1alpha1
kind: Budget
metadata: {name: inv-hard}
spec:
  scope: {team: inv}
  window: monthly
  limitUsd: "0.02"
  enforcement: hard
  alerts: [50, 100]
`;

const month = () => new Date().toISOString().slice(0, 7);
const INV_HARD: CompiledBudget = { name: 'inv-hard', scope: { team: 'inv' }, perRun: false, window: 'monthly', limitMicros: LIMIT_MICROS, hard: true, alerts: [50, 100], failClosed: true };
const budgetKey = () => budgetCounterKey(INV_HARD, month());
const keyOf = (g: RunningGantry) => readFileSync(join(g.dataDir, 'generated-keys', 'inv-key.key'), 'utf8').trim();

function ledgerOf(dataDir: string): { events: number; ok: number; cost: number } {
  const db = new Database(join(dataDir, 'gantry.db'), { readonly: true });
  try {
    return db
      .prepare("SELECT COUNT(*) AS events, COALESCE(SUM(status = 200), 0) AS ok, COALESCE(SUM(cost_micros), 0) AS cost FROM usage_events WHERE team = 'inv'")
      .get() as { events: number; ok: number; cost: number };
  } finally {
    db.close();
  }
}

type Outcome = { status: number; code?: string };

async function one(client: OpenAI, i: number): Promise<Outcome> {
  const messages = [{ role: 'user' as const, content: `Budget invariant request number ${i}` }];
  // A mix: explicit max_tokens, none (Gantry caps it to what the budget pays for), and streams.
  const max = i % 4 === 0 ? {} : { max_tokens: 50 };
  try {
    if (i % 3 === 0) {
      const stream = await client.chat.completions.create({ model: 'inv-chat', messages, stream: true, ...max });
      for await (const _ of stream) {
        // drain
      }
    } else {
      await client.chat.completions.create({ model: 'inv-chat', messages, ...max });
    }
    return { status: 200 };
  } catch (err) {
    const e = err as { status?: number; code?: string; type?: string };
    return { status: e.status ?? 0, code: e.code };
  }
}

interface Backend {
  readonly name: string;
  readonly describe: typeof describe | typeof describe.skip;
  env(): NodeJS.ProcessEnv;
  open(dataDir: string): Promise<CounterStore>;
}

const prefix = `gantry-test-${randomBytes(4).toString('hex')}:`;
const BACKENDS: Backend[] = [
  {
    name: 'SQLite-shared counters (3 processes, one data directory)',
    describe,
    env: () => ({ GANTRY_COUNTERS: 'sqlite' }),
    open: async (dataDir) => openSqliteCounterStore(join(dataDir, 'counters.db'), { owner: 'test-reader' }),
  },
  {
    name: 'Redis-shared counters (3 processes)',
    describe: describeRedis,
    env: () => ({ GANTRY_COUNTERS: 'redis', GANTRY_REDIS_URL: REDIS_URL, GANTRY_REDIS_PREFIX: prefix }),
    open: async () => openRedisCounterStore({ url: REDIS_URL, owner: 'test-reader', prefix }),
  },
];

for (const backend of BACKENDS) {
  backend.describe(`hard budget invariant: ${backend.name}`, () => {
    const procs: RunningGantry[] = [];
    beforeAll(async () => {
      const first = await startGantry({ config: CONFIG, env: backend.env() });
      procs.push(first);
      procs.push(...(await Promise.all([1, 2].map(() => startGantry({ config: CONFIG, env: backend.env(), dataDir: first.dataDir })))));
    }, 60_000);
    afterAll(async () => {
      await Promise.all(procs.map((p) => p.stop()));
    });

    it('1,000 concurrent requests: committed spend ≤ limit, equals the usage events, nothing left reserved', async () => {
      const key = keyOf(procs[0]!);
      const clients = procs.map((p) => new OpenAI({ baseURL: `${p.url}/v1`, apiKey: key, maxRetries: 0, timeout: 60_000 }));
      const outcomes = await Promise.all(Array.from({ length: 1_000 }, (_, i) => one(clients[i % 3]!, i)));
      const ok = outcomes.filter((o) => o.status === 200).length;
      const refused = outcomes.filter((o) => o.status === 429 && o.code === 'GW_BUDGET_EXHAUSTED').length;
      expect(ok + refused, JSON.stringify(outcomes.filter((o) => o.status !== 200 && o.code !== 'GW_BUDGET_EXHAUSTED').slice(0, 3))).toBe(1_000);
      expect(ok).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);

      // Then one at a time until refused: the budget is spent up to (nearly) its limit, never past it.
      for (let i = 0; i < 400; i++) if ((await one(clients[i % 3]!, 10_000 + i)).status !== 200) break;

      const counters = await backend.open(procs[0]!.dataDir);
      try {
        // Settlement is asynchronous: wait until no reservation is open, then compare with the ledger.
        await eventually(async () => ((await counters.openReservations()) === 0 ? true : undefined), 10_000);
        const ledger = await eventually(async () => {
          for (const p of procs) await fetch(`${p.url}/admin/v1/usage/totals`, { headers: { authorization: `Bearer ${p.adminToken}` } });
          const l = ledgerOf(procs[0]!.dataDir);
          return l.ok >= ok ? l : undefined;
        }, 10_000);
        const level = (await counters.levels([budgetKey()])).get(budgetKey());
        expect(ledger.cost).toBeLessThanOrEqual(LIMIT_MICROS);
        expect(level?.committedMicros).toBe(ledger.cost);
        expect(level?.reservedMicros).toBe(0);
        // Worst case of one request: 64 output tokens × $4/1M plus its prompt: the budget was used up.
        expect(ledger.cost).toBeGreaterThan(LIMIT_MICROS - 1_000);
      } finally {
        await counters.close();
      }
    }, 120_000);
  });
}

describe('billing of streams that end early, and of a process killed mid-request', () => {
  let g: RunningGantry | undefined;
  let second: RunningGantry | undefined;
  const env = { GANTRY_COUNTERS: 'sqlite', GANTRY_COUNTER_LIVENESS_TTL_MS: '1000', GANTRY_USAGE_FLUSH_MS: '60000' };
  beforeAll(async () => {
    g = await startGantry({ config: CONFIG, env });
  }, 30_000);
  afterAll(async () => {
    await g?.stop('SIGKILL');
    await second?.stop();
  });

  it('aborted and cut streams are billed for what was delivered; SIGKILL leaves no reservation and loses no completed event', async () => {
    const gw = g as RunningGantry;
    const key = keyOf(gw);
    const headers = { authorization: `Bearer ${key}` };
    const aborted = await readThenDisconnect({
      url: `${gw.url}/v1/chat/completions`,
      headers,
      body: { model: 'inv-slow', stream: true, max_tokens: 60, messages: [{ role: 'user', content: 'a long story please' }] },
      pattern: /"content"/,
      count: 3,
    });
    expect(aborted.status).toBe(200);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const cut = await client.chat.completions.create({ model: 'inv-cut', stream: true, max_tokens: 60, messages: [{ role: 'user', content: 'cut me off' }] });
    await expect(
      (async () => {
        for await (const _ of cut) {
          // drain until the upstream cuts the stream
        }
      })(),
    ).rejects.toThrow();
    const completed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await client.chat.completions.create({ model: 'inv-chat', max_tokens: 10, messages: [{ role: 'user', content: `done ${i}` }] }).withResponse();
      completed.push(r.response.headers.get('x-gantry-request-id') ?? '');
    }
    // A request in flight when the process dies: its reservation stays until another process reclaims it.
    const slow = fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'inv-slow', stream: true, max_tokens: 60, messages: [{ role: 'user', content: 'killed mid-request' }] }),
    }).catch(() => undefined);
    const counters = openSqliteCounterStore(join(gw.dataDir, 'counters.db'), { owner: 'test-reader' });
    try {
      await eventually(async () => ((await counters.openReservations()) >= 1 ? true : undefined), 5_000);
      await new Promise((r) => setTimeout(r, 300)); // the aborted and cut streams have settled
      await gw.stop('SIGKILL');
      await slow;
      expect((await counters.openReservations())).toBeGreaterThanOrEqual(1);

      // Another process on the same data directory reclaims the dead one's reservation after the TTL
      // and replays its outbox: every completed request is in the ledger.
      second = await startGantry({ config: CONFIG, env, dataDir: gw.dataDir });
      await eventually(async () => ((await counters.openReservations()) === 0 ? true : undefined), 10_000);
      const db = () => new Database(join(gw.dataDir, 'gantry.db'), { readonly: true });
      const events = await eventually(async () => {
        const d = db();
        try {
          const rows = d.prepare("SELECT request_id AS id, cost_micros AS cost, outcome, model FROM usage_events WHERE team = 'inv'").all() as { id: string; cost: number; outcome: string; model: string }[];
          return completed.every((id) => rows.some((r) => r.id === id)) ? rows : undefined;
        } finally {
          d.close();
        }
      }, 10_000);
      const abortedEvent = events.find((e) => e.id === aborted.requestId);
      expect(abortedEvent?.outcome).toBe('client_aborted');
      expect(abortedEvent?.cost).toBeGreaterThan(0);
      const cutEvent = events.find((e) => e.model === 'inv-cut');
      expect(cutEvent?.outcome).toBe('upstream_error');
      expect(cutEvent?.cost).toBeGreaterThan(0);
      const level = (await counters.levels([budgetKey()])).get(budgetKey());
      expect(level?.reservedMicros).toBe(0);
      expect(level?.committedMicros).toBe(events.reduce((s, e) => s + e.cost, 0));
    } finally {
      await counters.close();
    }
  }, 60_000);
});
