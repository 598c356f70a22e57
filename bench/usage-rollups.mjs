#!/usr/bin/env node
// Usage queries at scale: inserts N usage events (default 1,000,000; `node bench/usage-rollups.mjs
// 10000000` for 10M) into a fresh SQLite ledger through the real adapter (dist/: batches of 1,000,
// rollups kept by the insert trigger), then times grouped usage queries (answered from the hourly
// rollups), a spend query and the FOCUS export of one day. Run `npm run build` first.
// Results: bench/results/usage-rollups-<date>.json and the "Usage queries" table in docs/performance.md.
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../dist/storage/sqlite/database.js';
import { createSqliteLedgerStore } from '../dist/storage/sqlite/ledger-store.js';

const N = Number(process.argv[2] ?? process.env.BENCH_EVENTS ?? 1_000_000);
const DAYS = 30;
const BATCH = 1000;
const dir = mkdtempSync(join(tmpdir(), 'gantry-usage-bench-'));
const db = openSqlite(join(dir, 'gantry.db'));
const ledger = createSqliteLedgerStore(db);
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10;

// Attribution shaped like a real organisation: 1,000 API keys, each of one team (50 teams) and, for
// personal keys, one user (400 users); half the keys belong to an agent (200 agents) with a workflow
// (40); each team works in 3 of 30 repos; each key mostly uses 2 of 12 models on 4 providers; 30 days.
const end = Date.UTC(2026, 11, 1);
const start = end - DAYS * 86_400_000;
let state = 42;
/** mulberry32: a small, fast, well-spread PRNG (the same data on every run). */
const rand = (n) => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) % n);
};
function event(i) {
  const key = rand(1000);
  const team = key % 50;
  const model = (key + rand(2) * 5) % 12;
  return {
    requestId: `bench-${i}`,
    ts: start + Math.floor((i / N) * (end - start)),
    endpoint: 'chat.completions',
    keyId: `key-${key}`,
    team: `team-${team}`,
    user: key % 2 === 1 ? `user-${key % 400}` : undefined,
    agent: key % 2 === 0 ? `agent-${key % 200}` : undefined,
    workflow: key % 2 === 0 ? `wf-${key % 40}` : undefined,
    run: key % 2 === 0 ? `run-${Math.floor(i / 50)}` : undefined,
    tags: { repo: `repo-${(team * 3 + rand(3)) % 30}` },
    model: `model-${model}`,
    route: `provider-${model % 4}/model-${model}`,
    provider: `provider-${model % 4}`,
    stream: true,
    inputTokens: 200 + rand(2000),
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    outputTokens: 50 + rand(800),
    usageEstimated: false,
    costMicros: 10 + rand(5000),
    savingsMicros: 0,
    priceVersion: 'pb-1',
    latencyMs: 100,
    ttftMs: 20,
    status: rand(50) === 0 ? 502 : 200,
    errorCode: undefined,
    outcome: 'completed',
    upstreamStatus: undefined,
  };
}

const t0 = performance.now();
let expected = 0;
for (let i = 0; i < N; i += BATCH) {
  const batch = [];
  for (let j = i; j < Math.min(N, i + BATCH); j++) {
    const e = event(j);
    expected += e.costMicros;
    batch.push(e);
  }
  await ledger.appendBatch(batch);
  if (i % 1_000_000 === 0 && i > 0) process.stderr.write(`  ${i.toLocaleString('en-US')} events…\n`);
}
const insertMs = ms(t0);
// What a running gateway does on open (storage/sqlite/database.ts): bounded statistics for the planner.
db.pragma('analysis_limit = 1000');
db.pragma('optimize');
const rollupRows = {
  hourly: db.prepare('SELECT COUNT(*) FROM usage_hourly').pluck().get(),
  daily: db.prepare('SELECT COUNT(*) FROM usage_daily').pluck().get(),
};

async function timed(name, fn, runs = 5) {
  await fn(); // warm
  const times = [];
  let result;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    result = await fn();
    times.push(ms(t));
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(runs / 2)], result };
}

const month = { from: start, to: end };
const queries = [
  await timed('groupBy team,agent,model (30 days)', () => ledger.usage({ ...month, groupBy: ['team', 'agent', 'model'] })),
  await timed('groupBy team (30 days)', () => ledger.usage({ ...month, groupBy: ['team'] })),
  await timed('groupBy day,model, team filter (30 days)', () => ledger.usage({ ...month, groupBy: ['day', 'model'], filter: { team: ['team-7'] } })),
  await timed('groupBy hour (1 day)', () => ledger.usage({ from: end - 86_400_000, to: end, groupBy: ['hour'] })),
  await timed('spend of one team from raw events (30 days)', () => ledger.spend({ ...month, team: 'team-7' }), 3),
  await timed(
    'FOCUS export rows (1 day)',
    async () => {
      let n = 0;
      for await (const _ of ledger.exportRows(end - 86_400_000, end)) n++;
      return n;
    },
    3,
  ),
];
const total = queries[0].result.totals.costMicros;
if (total !== expected) throw new Error(`rollup total ${total} differs from the inserted total ${expected}`);

const report = {
  date: new Date().toISOString(),
  node: process.version,
  events: N,
  days: DAYS,
  insert: { ms: insertMs, eventsPerSecond: Math.round(N / (insertMs / 1000)) },
  rollupRows,
  databaseMB: Math.round(statSync(join(dir, 'gantry.db')).size / 1e6),
  queries: queries.map((q) => ({ name: q.name, medianMs: q.medianMs, result: Array.isArray(q.result?.rows) ? `${q.result.rows.length} rows` : q.result })),
};
console.log(JSON.stringify(report, null, 2));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/usage-rollups-${report.date.slice(0, 10)}.json`, import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
db.close();
