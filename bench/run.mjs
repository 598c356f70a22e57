#!/usr/bin/env node
// `npm run bench`: the load benchmark of DESIGN.md §5. Simulator upstream (instant mode, own process),
// Gantry (own process, governance on: auth, attribution headers, metering to the SQLite ledger,
// Prometheus metrics), and the load generator (this process), all on loopback. Each concurrency level
// is measured against the upstream directly and through Gantry in the same run; the difference is
// Gantry's added latency. Results: bench/results/<date>.json and the table in docs/performance.md.
//
// A third target, a bare Node proxy (bench/lib/bare-proxy.mjs), shows the floor any Node proxy pays on
// this machine; Gantry's distance to it is the cost of its governance.
//
// Streaming TTFB uses a second simulator that paces tokens (1 ms apart): with an instant upstream the
// whole stream arrives in one read and "first byte" would measure the whole stream.
//
// Environment: BENCH_DURATION (seconds per run, default 8), BENCH_PIN=0 to disable CPU pinning,
// BENCH_CONCURRENCY (default "1,16,64"), BENCH_STREAM_COUNT (default 400).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun, ttfbRun } from './lib/load.mjs';
import { cpuSeconds, rssMb, spawnNode, stop } from './lib/processes.mjs';
import { machineFields, writeResult } from './lib/results.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 8);
const levels = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const streamCount = Number(process.env.BENCH_STREAM_COUNT ?? 400);
const pin = process.env.BENCH_PIN !== '0' && cpus().length >= 2;
const KEY = 'gk_bench_key_0123456789abcdefghijklmnopqrstuv';

// Core 1: the gateway alone. Core 0: the simulator and this load generator.
if (pin) spawnSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

const sim = await spawnNode(['bin/gantry.js', 'simulator', '--port', '0', '--instant'], {
  cpu: pin ? 0 : undefined,
  pattern: /listening on (http:\/\/[\d.:]+)\/v1/,
});
function startGantry(upstreamUrl, options = {}) {
  return spawnNode(['bin/gantry.js', 'start', ...(options.args ?? [])], {
    cpu: pin && options.cpu !== 'all' ? 1 : undefined,
    env: {
      GANTRY_PORT: '0',
      GANTRY_DATA_DIR: mkdtempSync(join(tmpdir(), 'gantry-bench-')),
      GANTRY_CONFIG: options.config ?? 'examples/bench/gantry.yaml',
      GANTRY_BENCH_UPSTREAM: `${upstreamUrl}/v1`,
      GANTRY_DEMO_KEY: KEY,
      GANTRY_ADMIN_TOKEN: 'gat_bench_admin_token',
      GANTRY_LOG_LEVEL: 'warn',
    },
    pattern: /listening on (http:\/\/[\d.:]+)/,
  });
}
const gw = await startGantry(sim.url);
const bare = await spawnNode(['bench/lib/bare-proxy.mjs'], {
  cpu: pin ? 1 : undefined,
  env: { BARE_UPSTREAM: `${sim.url}/v1` },
  pattern: /listening on (http:\/\/[\d.:]+)/,
});

const body = JSON.stringify({
  model: 'gpt-4o-mini',
  max_tokens: 16,
  messages: [
    { role: 'system', content: 'You are a concise assistant.' },
    { role: 'user', content: 'Summarise the benefits of a governed AI gateway in one sentence.' },
  ],
});
const streamBody = JSON.stringify({ ...JSON.parse(body), stream: true, stream_options: { include_usage: true } });
const gwHeaders = { authorization: `Bearer ${KEY}`, 'x-gantry-agent': 'bench-agent', 'x-gantry-run': 'bench-run', 'x-gantry-tags': 'repo=bench' };
const direct = { url: `${sim.url}/v1/chat/completions`, headers: {} };
const gateway = { url: `${gw.url}/v1/chat/completions`, headers: gwHeaders };
const bareProxy = { url: `${bare.url}/v1/chat/completions`, headers: {} };

console.log(`warming up (gateway pinned to core 1: ${gw.pinned})…`);
await loadRun({ ...direct, body, connections: 16, durationSec: 2 });
await loadRun({ ...gateway, body, connections: 16, durationSec: 3 });
await loadRun({ ...bareProxy, body, connections: 16, durationSec: 1 });

const runs = [];
for (const c of levels) {
  const d = await loadRun({ ...direct, body, connections: c, durationSec: duration });
  const bp0 = cpuSeconds(bare.proc.pid);
  const b = await loadRun({ ...bareProxy, body, connections: c, durationSec: duration });
  const bareCpuUs = Math.round(((cpuSeconds(bare.proc.pid) - bp0) / Math.max(1, b.requests)) * 1e6);
  const cpu0 = cpuSeconds(gw.proc.pid);
  const t0 = performance.now();
  const g = await loadRun({ ...gateway, body, connections: c, durationSec: duration });
  const cpuPct = Math.round(((cpuSeconds(gw.proc.pid) - cpu0) / ((performance.now() - t0) / 1000)) * 100);
  const gatewayCpuUs = Math.round(((cpuSeconds(gw.proc.pid) - cpu0) / Math.max(1, g.requests)) * 1e6);
  const row = {
    concurrency: c,
    direct: d,
    bare: b,
    gateway: g,
    gatewayCpuUsPerRequest: gatewayCpuUs,
    bareCpuUsPerRequest: bareCpuUs,
    addedP50Ms: Math.round((g.p50Ms - d.p50Ms) * 1000) / 1000,
    addedP99Ms: Math.round((g.p99Ms - d.p99Ms) * 1000) / 1000,
    gatewayCpuPct: cpuPct,
    gatewayRssMb: rssMb(gw.proc.pid),
  };
  runs.push(row);
  console.log(
    `c=${c}: direct ${d.rps} rps p50 ${d.p50Ms} p99 ${d.p99Ms} | bare proxy ${b.rps} rps p50 ${b.p50Ms} (${bareCpuUs} µs CPU/req) | gantry ${g.rps} rps p50 ${g.p50Ms} p99 ${g.p99Ms} | added p50 ${row.addedP50Ms} p99 ${row.addedP99Ms} ms | cpu ${cpuPct}% ${gatewayCpuUs} µs/req rss ${row.gatewayRssMb} MB | errors ${d.errors}/${g.errors}`,
  );
}

const rssAfter = rssMb(gw.proc.pid);
await stop(gw.proc);
await stop(bare.proc);

// Budgets and rate limits ON: a hard budget, a soft budget and a rate limit in scope of every request,
// counted in memory (the single-process default). Same pinning, same body.
const limitLevels = levels.filter((c) => c >= 16);

/** A gateway started with `config` under the load levels from 16 up, compared with the core runs. */
async function featureRuns(label, config) {
  const gateway = await startGantry(sim.url, { config });
  const target = { url: `${gateway.url}/v1/chat/completions`, headers: gwHeaders };
  await loadRun({ ...target, body, connections: 16, durationSec: 2 });
  const rows = [];
  for (const c of limitLevels) {
    const cpu0 = cpuSeconds(gateway.proc.pid);
    const g = await loadRun({ ...target, body, connections: c, durationSec: duration });
    const core = runs.find((r) => r.concurrency === c);
    const row = {
      concurrency: c,
      gateway: g,
      gatewayCpuUsPerRequest: Math.round(((cpuSeconds(gateway.proc.pid) - cpu0) / Math.max(1, g.requests)) * 1e6),
      throughputVsCore: core ? Math.round((g.rps / core.gateway.rps) * 1000) / 1000 : undefined,
    };
    rows.push(row);
    console.log(`${label} c=${c}: ${g.rps} rps p50 ${g.p50Ms} p99 ${g.p99Ms} | ${row.gatewayCpuUsPerRequest} µs CPU/req | ${row.throughputVsCore}× core | errors ${g.errors}`);
  }
  await stop(gateway.proc);
  return rows;
}

const limitsRuns = await featureRuns('budgets+rate limits', 'examples/bench/gantry-limits.yaml');

// Routing + cache ON: the body's model is a Route (rules + complexity score) over two models of two
// deployments each (least-latency), each with an exact cache. `cache-control: no-cache` makes every
// request a miss that still computes the key and writes the answer; without it every request is a hit.
const gwRouting = await startGantry(sim.url, { config: 'examples/bench/gantry-routing.yaml' });
const routingTarget = { url: `${gwRouting.url}/v1/chat/completions`, headers: { ...gwHeaders, 'cache-control': 'no-cache' } };
const hitTarget = { url: `${gwRouting.url}/v1/chat/completions`, headers: gwHeaders };
await loadRun({ ...routingTarget, body, connections: 16, durationSec: 2 });
await loadRun({ ...hitTarget, body, connections: 16, durationSec: 1 });
const routingRuns = [];
for (const c of levels) {
  const core = runs.find((r) => r.concurrency === c);
  let cpu0 = cpuSeconds(gwRouting.proc.pid);
  const miss = await loadRun({ ...routingTarget, body, connections: c, durationSec: duration });
  const missCpu = Math.round(((cpuSeconds(gwRouting.proc.pid) - cpu0) / Math.max(1, miss.requests)) * 1e6);
  cpu0 = cpuSeconds(gwRouting.proc.pid);
  const hit = await loadRun({ ...hitTarget, body, connections: c, durationSec: duration });
  const hitCpu = Math.round(((cpuSeconds(gwRouting.proc.pid) - cpu0) / Math.max(1, hit.requests)) * 1e6);
  const row = {
    concurrency: c,
    miss,
    hit,
    missCpuUsPerRequest: missCpu,
    hitCpuUsPerRequest: hitCpu,
    missThroughputVsCore: core ? Math.round((miss.rps / core.gateway.rps) * 1000) / 1000 : undefined,
    hitP50VsDirectMs: core ? Math.round((hit.p50Ms - core.direct.p50Ms) * 1000) / 1000 : undefined,
  };
  routingRuns.push(row);
  console.log(
    `routing+cache c=${c}: miss ${miss.rps} rps p50 ${miss.p50Ms} p99 ${miss.p99Ms} (${missCpu} µs CPU/req, ${row.missThroughputVsCore}× core) | hit ${hit.rps} rps p50 ${hit.p50Ms} p99 ${hit.p99Ms} (${hitCpu} µs CPU/req) | errors ${miss.errors}/${hit.errors}`,
  );
}
await stop(gwRouting.proc);

// Policies + guardrails ON: enforced and dry-run Cedar policies and input guardrails (PII and secret
// redaction, injection and keyword checks) on every request. Same pinning and body.
const policyRuns = await featureRuns('policy+guardrails', 'examples/bench/gantry-policy.yaml');

// --workers 2 against one process, both unpinned (two workers need two cores). On a 2-core machine
// they share the cores with the simulator and this load generator, which caps the scaling.
const scaleLevel = Math.max(...levels);
const scaling = {};
for (const [name, args] of [['single', []], ['workers2', ['--workers', '2']]]) {
  const p = await startGantry(sim.url, { args, cpu: 'all' });
  const target = { url: `${p.url}/v1/chat/completions`, headers: gwHeaders };
  await loadRun({ ...target, body, connections: 16, durationSec: 2 });
  scaling[name] = await loadRun({ ...target, body, connections: scaleLevel, durationSec: duration });
  await stop(p.proc);
}
const scaleRatio = Math.round((scaling.workers2.rps / Math.max(1, scaling.single.rps)) * 100) / 100;
console.log(`--workers 2 at c=${scaleLevel}: ${scaling.workers2.rps} rps vs one process ${scaling.single.rps} rps (${scaleRatio}×)`);

const paced = await spawnNode(['bin/gantry.js', 'simulator', '--port', '0', '--ttft-ms', '0', '--tokens-per-second', '1000'], {
  cpu: pin ? 0 : undefined,
  pattern: /listening on (http:\/\/[\d.:]+)\/v1/,
});
const gwStream = await startGantry(paced.url);
const pacedDirect = { url: `${paced.url}/v1/chat/completions`, headers: {} };
const pacedGateway = { url: `${gwStream.url}/v1/chat/completions`, headers: gwHeaders };
await ttfbRun({ ...pacedGateway, body: streamBody, count: 50 });
const sd = await ttfbRun({ ...pacedDirect, body: streamBody, count: streamCount });
const sg = await ttfbRun({ ...pacedGateway, body: streamBody, count: streamCount });
await stop(gwStream.proc);
await stop(paced.proc);
const stream = { direct: sd, gateway: sg, addedP50Ms: Math.round((sg.p50Ms - sd.p50Ms) * 1000) / 1000, addedP99Ms: Math.round((sg.p99Ms - sd.p99Ms) * 1000) / 1000 };
console.log(`stream TTFB: direct p50 ${sd.p50Ms} p99 ${sd.p99Ms} | gantry p50 ${sg.p50Ms} p99 ${sg.p99Ms} | added p50 ${stream.addedP50Ms} ms`);

await stop(sim.proc);

// Micro-benchmarks of the policy decision point and the guardrail detectors (in this process).
const micro = (script) => spawnSync(process.execPath, [script], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
const policyMicro = micro('bench/policy-decide.mjs');
const guardrailMicro = micro('bench/guardrail-scan.mjs');
for (const line of [...policyMicro, ...guardrailMicro]) console.log(line);

const result = {
  ...machineFields(),
  pinned: gw.pinned,
  durationSec: duration,
  governance: ['auth', 'attribution headers', 'metering + SQLite ledger (batched)', 'Prometheus metrics'],
  runs,
  limits: { config: 'examples/bench/gantry-limits.yaml', counters: 'memory', runs: limitsRuns },
  routing: { config: 'examples/bench/gantry-routing.yaml', cache: 'memory', runs: routingRuns },
  policy: { config: 'examples/bench/gantry-policy.yaml', runs: policyRuns, decide: policyMicro, guardrails: guardrailMicro },
  workers: { concurrency: scaleLevel, single: scaling.single, workers2: scaling.workers2, ratio: scaleRatio },
  stream,
  gatewayRssAfterMb: rssAfter,
};
const { date } = result;
writeResult(date, result);

const table = [
  '| Concurrency | Direct rps | Bare proxy rps | Gantry rps | Direct p50 / p99 (ms) | Gantry p50 / p99 (ms) | Added p50 / p99 (ms) | CPU µs/req bare / Gantry | Gantry CPU | Gantry RSS |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...runs.map(
    (r) =>
      `| ${r.concurrency} | ${r.direct.rps} | ${r.bare.rps} | ${r.gateway.rps} | ${r.direct.p50Ms} / ${r.direct.p99Ms} | ${r.gateway.p50Ms} / ${r.gateway.p99Ms} | ${r.addedP50Ms} / ${r.addedP99Ms} | ${r.bareCpuUsPerRequest} / ${r.gatewayCpuUsPerRequest} | ${r.gatewayCpuPct}% | ${r.gatewayRssMb} MB |`,
  ),
  '',
  'Budgets and rate limits ON (hard + soft budget and a rate limit in scope of every request, in-memory counters of one process):',
  '',
  '| Concurrency | Gantry rps | p50 / p99 (ms) | CPU µs/req | Throughput vs core |',
  '| --- | --- | --- | --- | --- |',
  ...limitsRuns.map((r) => `| ${r.concurrency} | ${r.gateway.rps} | ${r.gateway.p50Ms} / ${r.gateway.p99Ms} | ${r.gatewayCpuUsPerRequest} | ${r.throughputVsCore}× |`),
  '',
  'Routing + cache ON (a Route with rules and the complexity score over two models of two deployments each, least-latency; exact cache in memory). Miss: `cache-control: no-cache` (key computed, answer written, upstream called); hit: answered from the cache:',
  '',
  '| Concurrency | Miss rps | Miss p50 / p99 (ms) | Miss CPU µs/req | Miss throughput vs core | Hit rps | Hit p50 / p99 (ms) | Hit CPU µs/req |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...routingRuns.map((r) => `| ${r.concurrency} | ${r.miss.rps} | ${r.miss.p50Ms} / ${r.miss.p99Ms} | ${r.missCpuUsPerRequest} | ${r.missThroughputVsCore}× | ${r.hit.rps} | ${r.hit.p50Ms} / ${r.hit.p99Ms} | ${r.hitCpuUsPerRequest} |`),
  '',
  'Policies + guardrails ON (three enforced and one dry-run Cedar policy; input guardrails: PII and secret redaction, injection and keyword checks):',
  '',
  '| Concurrency | Gantry rps | p50 / p99 (ms) | CPU µs/req | Throughput vs core |',
  '| --- | --- | --- | --- | --- |',
  ...policyRuns.map((r) => `| ${r.concurrency} | ${r.gateway.rps} | ${r.gateway.p50Ms} / ${r.gateway.p99Ms} | ${r.gatewayCpuUsPerRequest} | ${r.throughputVsCore}× |`),
  '',
  `Cedar decision (\`bench/policy-decide.mjs\`): ${policyMicro.join('; ')}. Guardrail detectors (\`bench/guardrail-scan.mjs\`, a 1 KB support prompt): ${guardrailMicro.map((l) => l.replace(/^guardrails /, '')).join('; ')}.`,
  '',
  `\`--workers 2\` (unpinned) at c=${scaleLevel}: ${scaling.workers2.rps} rps vs one process ${scaling.single.rps} rps: **${scaleRatio}×**.`,
  '',
  `Streaming, time to first SSE data frame (c=1, ${streamCount} requests, upstream pacing tokens 1 ms apart): direct p50 ${sd.p50Ms} / p99 ${sd.p99Ms} ms; Gantry p50 ${sg.p50Ms} / p99 ${sg.p99Ms} ms; **added p50 ${stream.addedP50Ms} ms**, p99 ${stream.addedP99Ms} ms.`,
  '',
  `Gateway RSS after the run: ${rssAfter} MB. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}; gateway pinned to one core: ${gw.pinned}. Raw: \`bench/results/${date}.json\`.`,
].join('\n');
console.log(`\n${table}\n`);

const docPath = 'docs/performance.md';
const doc = readFileSync(docPath, 'utf8');
const begin = '<!-- bench:begin -->';
const end = '<!-- bench:end -->';
if (doc.includes(begin) && doc.includes(end)) {
  writeFileSync(docPath, `${doc.slice(0, doc.indexOf(begin) + begin.length)}\n${table}\n${doc.slice(doc.indexOf(end))}`);
  console.log(`updated ${docPath}`);
}
