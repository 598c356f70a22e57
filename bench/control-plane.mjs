#!/usr/bin/env node
// `npm run bench:control-plane`: the control plane at scale. Fills a fresh SQLite resource store with
// N API keys (default 100,000) in a few big commits, then measures, in this process, with the real
// control plane (dist/): the first load + snapshot compile, one key revocation end to end (commit,
// change feed, incremental compile), list pages through the admin API over HTTP (first page, a deep
// `continue` page, a label selector), and the heap. Results: bench/results/control-plane-<date>.json
// and the table in docs/performance.md.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createKeyHasher } from '../dist/kernel/api-keys.js';
import { systemClock } from '../dist/kernel/clock.js';
import { createIdGenerator } from '../dist/kernel/ids.js';
import { createControlPlane } from '../dist/main/control-plane.js';
import { createProviderRegistry } from '../dist/main/providers.js';
import { createMemoryLedgerStore } from '../dist/storage/memory/ledger-store.js';
import { openSqliteResourceStore } from '../dist/storage/sql/sqlite.js';
import { telemetryChannels } from '../dist/telemetry/channels.js';

const N = Number(process.env.BENCH_KEYS ?? 100_000);
const ADMIN = 'gat_bench_admin_token_0123456789';
const dir = mkdtempSync(join(tmpdir(), 'gantry-cp-bench-'));
const hash = createKeyHasher('bench-secret');
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10;

const store = await openSqliteResourceStore(join(dir, 'gantry.db'));
const put = (kind, name, team, spec, extra = {}) => ({ op: 'put', kind, name, team, labels: extra.labels ?? {}, spec, status: extra.status, secret: extra.secret, expectedGeneration: 0, actor: 'bench' });
await store.commit([put('Team', 'team-a', 'team-a', {}), put('Team', 'team-b', 'team-b', {}), put('Provider', 'sim', undefined, { type: 'simulator', instant: true }), put('Model', 'small', undefined, { provider: 'sim', pricing: { free: true } })], []);
let t0 = performance.now();
for (let i = 0; i < N; i += 5_000) {
  const writes = [];
  for (let j = i; j < Math.min(N, i + 5_000); j++) {
    const team = j % 2 ? 'team-a' : 'team-b';
    writes.push(put('ApiKey', `key-${String(j).padStart(7, '0')}`, team, { team }, { labels: { shard: String(j % 10) }, status: { displayPrefix: 'gk_bench…' }, secret: { hashes: [{ hash: hash(`gk_bench_${j}`) }] } }));
  }
  await store.commit(writes, []);
}
const fillMs = ms(t0);

const logger = pino({ level: 'silent' });
const providers = createProviderRegistry({}, logger);
const control = createControlPlane({
  store, ledger: createMemoryLedgerStore(), clock: systemClock, newId: createIdGenerator(), logger, hashSecret: hash, keyHashSecret: 'bench-secret',
  adminToken: ADMIN, env: {}, providerFor: providers.providerFor, onProvidersCompiled: providers.sweep, flushUsage: async () => {}, pollMs: 60_000,
  publicUrl: () => 'http://127.0.0.1', version: 'bench', channels: telemetryChannels(),
});
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
t0 = performance.now();
await control.sync.start();
const firstLoadMs = ms(t0);
global.gc?.();
const heapMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e5) / 10;
const keysInSnapshot = control.snapshots.current().keys.size;

const server = createServer((req, res) => control.router.handle(req, res));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/admin/v1`;
const get = (path) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json());

// One revocation: the admin API call returns once this process serves the new snapshot.
const revokeTimes = [];
for (let i = 0; i < 20; i++) {
  t0 = performance.now();
  const res = await fetch(`${base}/apikeys/key-${String(i * 997).padStart(7, '0')}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
  await res.text();
  revokeTimes.push(ms(t0));
}

async function timed(path, runs = 200) {
  await get(path);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const body = await get(path);
    times.push(performance.now() - t);
    if (!body.items) throw new Error(JSON.stringify(body));
  }
  times.sort((a, b) => a - b);
  return { p50: Math.round(times[runs / 2] * 100) / 100, p99: Math.round(times[Math.floor(runs * 0.99)] * 100) / 100 };
}
const pages = {
  firstPage: await timed('/apikeys?limit=100'),
  deepPage: await timed(`/apikeys?limit=100&continue=key-${String(Math.floor(N * 0.9)).padStart(7, '0')}`),
  labelSelector: await timed('/apikeys?limit=100&labelSelector=shard=7'),
};
revokeTimes.sort((a, b) => a - b);
const result = {
  date: new Date().toISOString(),
  node: process.version,
  keys: N,
  keysInSnapshot,
  fillMs,
  firstLoadAndCompileMs: firstLoadMs,
  snapshotHeapMb: heapMb,
  revokeRoundTripMs: { p50: revokeTimes[10], max: revokeTimes.at(-1) },
  listPageMs: pages,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/control-plane-${result.date.slice(0, 10)}.json`, `${JSON.stringify(result, null, 2)}\n`);
server.close();
control.sync.stop();
await store.close();
