#!/usr/bin/env node
// `npm run bench:mcp`: the latency Gantry's MCP gateway adds to a tool call. An upstream MCP server
// (examples/mcp/demo-server.mjs over Streamable HTTP, stateless; own process, core 0 with this load
// generator), Gantry (own process, core 1; governance on: auth, attribution, budget, per-call price,
// metering to the SQLite ledger, Prometheus metrics; no policies) and raw JSON-RPC `tools/call echo`
// POSTs (stateless: no initialize, each POST stands alone). Each concurrency level is measured against
// the upstream directly and through Gantry (`POST /mcp`, tool `demo__echo`) in the same run.
//
// Correctness: after the runs, the ledger (admin API /usage/totals) must hold one event per tool call
// sent through Gantry and the per-call price for each answered one.
//
// Environment: BENCH_DURATION (seconds per run, default 8), BENCH_CONCURRENCY (default "1,16,64"),
// BENCH_PIN=0 to disable CPU pinning, BENCH_CPU_PROF=<dir> to write a V8 CPU profile of Gantry there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadRun } from './lib/load.mjs';
import { cpuSeconds, rssMb, spawnNode, stop } from './lib/processes.mjs';
import { machineFields, writeResult } from './lib/results.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 8);
const levels = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const pin = process.env.BENCH_PIN !== '0' && cpus().length >= 2;
const cpuProfDir = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const KEY = 'gk_bench_key_0123456789abcdefghijklmnopqrstuv';
const ADMIN = 'gat_bench_admin_token';
const UPSTREAM_TOKEN = 'bench-mcp-token-0123456789';
const PRICE_MICROS = 100; // examples/bench/gantry-mcp.yaml: perCall "0.0001"

// Every child is stopped on the way out, whether the run ends, fails or is interrupted.
const children = [];
const workDir = mkdtempSync(join(tmpdir(), 'gantry-bench-mcp-'));
async function cleanup() {
  await Promise.all(children.map((p) => stop(p)));
  rmSync(workDir, { recursive: true, force: true });
}
process.once('exit', () => {
  for (const p of children) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    cleanup().finally(() => process.exit(130));
  });
}
async function started(promise) {
  const s = await promise;
  children.push(s.proc);
  return s;
}

if (pin) spawnSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

try {
  const upstream = await started(
    spawnNode(['examples/mcp/demo-server.mjs', '--http', '--port', '0'], {
      cpu: pin ? 0 : undefined,
      env: { DEMO_MCP_TOKEN: UPSTREAM_TOKEN },
      pattern: /listening on (http:\/\/\S+)/,
    }),
  );
  // McpServer.url is a literal (no {fromEnv}): a copy of the config with the upstream's URL.
  const configPath = join(workDir, 'gantry-mcp.yaml');
  const config = readFileSync('examples/bench/gantry-mcp.yaml', 'utf8');
  if (!config.includes('url: http://127.0.0.1:18090/mcp')) throw new Error('examples/bench/gantry-mcp.yaml: the McpServer url placeholder is missing');
  writeFileSync(configPath, config.replace('url: http://127.0.0.1:18090/mcp', `url: ${upstream.url}`));
  const gw = await started(
    spawnNode([...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), 'bin/gantry.js', 'start'], {
      cpu: pin ? 1 : undefined,
      env: {
        GANTRY_PORT: '0',
        GANTRY_DATA_DIR: join(workDir, 'data'),
        GANTRY_CONFIG: configPath,
        GANTRY_BENCH_MCP_TOKEN: UPSTREAM_TOKEN,
        GANTRY_DEMO_KEY: KEY,
        GANTRY_ADMIN_TOKEN: ADMIN,
        GANTRY_LOG_LEVEL: 'warn',
      },
      pattern: /listening on (http:\/\/[\d.:]+)/,
    }),
  );

  const call = (name) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: { text: 'hello from the MCP benchmark' } } });
  const accept = { accept: 'application/json, text/event-stream' };
  const direct = { url: upstream.url, headers: { ...accept, authorization: `Bearer ${UPSTREAM_TOKEN}` }, body: call('echo') };
  const gateway = {
    url: `${gw.url}/mcp`,
    headers: { ...accept, authorization: `Bearer ${KEY}`, 'x-gantry-agent': 'bench-bot', 'x-gantry-run': 'bench-run' },
    body: call('demo__echo'),
  };
  // JSON-RPC errors (refusals, upstream failures) are HTTP 200 answers: a success is a tool result.
  const isOk = (status, text) => status === 200 && text.includes('"result"') && text.includes('hello from the MCP benchmark') && !text.includes('"isError":true');

  // One call of each first: a refusal or misconfiguration shows here, not as a run of errors.
  for (const [name, t] of [['direct', direct], ['gateway', gateway]]) {
    const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...t.headers }, body: t.body });
    const text = await res.text();
    if (!isOk(res.status, text)) throw new Error(`${name} tools/call failed: HTTP ${res.status} ${text.slice(0, 500)}`);
  }
  let gatewayCalls = 1;
  let gatewayOk = 1;

  console.log(`warming up (gateway pinned to core 1: ${gw.pinned})…`);
  await loadRun({ ...direct, isOk, connections: 16, durationSec: 2 });
  const warm = await loadRun({ ...gateway, isOk, connections: 16, durationSec: 3 });
  gatewayCalls += warm.requests + warm.errors;
  gatewayOk += warm.requests;

  const runs = [];
  for (const c of levels) {
    const d = await loadRun({ ...direct, isOk, connections: c, durationSec: duration });
    const cpu0 = cpuSeconds(gw.proc.pid);
    const t0 = performance.now();
    const g = await loadRun({ ...gateway, isOk, connections: c, durationSec: duration });
    const cpu = cpuSeconds(gw.proc.pid) - cpu0;
    gatewayCalls += g.requests + g.errors;
    gatewayOk += g.requests;
    const row = {
      concurrency: c,
      direct: d,
      gateway: g,
      addedP50Ms: Math.round((g.p50Ms - d.p50Ms) * 1000) / 1000,
      addedP99Ms: Math.round((g.p99Ms - d.p99Ms) * 1000) / 1000,
      gatewayCpuUsPerCall: Math.round((cpu / Math.max(1, g.requests)) * 1e6),
      gatewayCpuPct: Math.round((cpu / ((performance.now() - t0) / 1000)) * 100),
      gatewayRssMb: rssMb(gw.proc.pid),
    };
    runs.push(row);
    console.log(
      `c=${c}: direct ${d.rps} calls/s p50 ${d.p50Ms} p99 ${d.p99Ms} | gantry ${g.rps} calls/s p50 ${g.p50Ms} p99 ${g.p99Ms} | added p50 ${row.addedP50Ms} p99 ${row.addedP99Ms} ms | cpu ${row.gatewayCpuPct}% ${row.gatewayCpuUsPerCall} µs/call rss ${row.gatewayRssMb} MB | errors ${d.errors}/${g.errors}`,
    );
  }

  // Errors include transport failures that may never have reached Gantry, so the strict check is on
  // an error-free run: one event per call, the price on each.
  const totals = await fetch(`${gw.url}/admin/v1/usage/totals`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json());
  const ledger = {
    toolCallsSent: gatewayCalls,
    toolCallsAnswered: gatewayOk,
    ledgerEvents: totals.events,
    ledgerCostMicros: totals.costMicros,
    expectedCostMicros: gatewayOk * PRICE_MICROS,
  };
  ledger.consistent = ledger.ledgerEvents === gatewayCalls && ledger.ledgerCostMicros === ledger.expectedCostMicros;
  console.log(
    `ledger: ${ledger.ledgerEvents} events for ${gatewayCalls} tool calls sent through Gantry (${gatewayOk} answered); cost ${ledger.ledgerCostMicros} µUSD, expected ${ledger.expectedCostMicros}: ${ledger.consistent ? 'consistent' : 'MISMATCH'}`,
  );

  const rssAfter = rssMb(gw.proc.pid);
  await stop(gw.proc);
  if (cpuProfDir) console.log(`CPU profile of Gantry written to ${cpuProfDir}`);

  const result = {
    ...machineFields(),
    pinned: gw.pinned,
    durationSec: duration,
    upstream: 'examples/mcp/demo-server.mjs --http (stateless Streamable HTTP, SSE answers)',
    call: 'tools/call echo (direct) / demo__echo (POST /mcp), raw JSON-RPC, no initialize',
    governance: ['auth (demo key + x-gantry-agent bench-bot)', 'agent tool declaration', 'budget hold/settle (per-call price)', 'metering + SQLite ledger', 'Prometheus metrics'],
    config: 'examples/bench/gantry-mcp.yaml',
    runs,
    ledger,
    gatewayRssAfterMb: rssAfter,
  };
  console.log(`wrote ${writeResult(`mcp-${result.date}`, result)}`);
  if (!ledger.consistent) process.exitCode = 1;
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
}
