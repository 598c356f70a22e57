// Load generation with microsecond timing: a closed loop of `connections` workers over an undici Pool
// (one keep-alive connection each). autocannon reports latency in whole milliseconds, too coarse to
// measure sub-millisecond gateway overhead, hence this small generator; both targets are measured the
// same way in the same run.
import { Pool } from 'undici';

function percentiles(samples) {
  samples.sort((a, b) => a - b);
  const pct = (p) => round3(samples[Math.min(samples.length - 1, Math.floor(samples.length * p))] ?? 0);
  return { p50Ms: pct(0.5), p90Ms: pct(0.9), p99Ms: pct(0.99) };
}
const round3 = (x) => Math.round(x * 1000) / 1000;

/** `isOk(status, text)`: what counts as a success (default: HTTP 200); MCP errors travel in HTTP 200 answers. */
export async function loadRun({ url, headers, body, connections, durationSec, isOk = (status) => status === 200 }) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const opts = { path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
  const samples = [];
  let errors = 0;
  const deadline = performance.now() + durationSec * 1000;
  const started = performance.now();
  async function worker() {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const res = await pool.request(opts);
        const text = await res.body.text();
        if (!isOk(res.statusCode, text)) errors++;
        else samples.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return { connections, requests: samples.length, rps: Math.round(samples.length / elapsed), ...percentiles(samples), errors };
}

/** Time to the first SSE data frame, per request, sequentially (c=1). */
export async function ttfbRun({ url, headers, body, count }) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 1 });
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await pool.request({ path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    let first;
    for await (const chunk of res.body) {
      if (first === undefined && chunk.toString().includes('data: {')) first = performance.now();
    }
    if (res.statusCode !== 200 || first === undefined) throw new Error(`stream request failed: ${res.statusCode}`);
    samples.push(first - t0);
  }
  await pool.close();
  return { count, ...percentiles(samples) };
}
