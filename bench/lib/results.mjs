// The result files of the throughput benches (run.mjs, mcp-call.mjs): the date and machine first.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Today (YYYY-MM-DD) and the machine the bench ran on: the first fields of a result. */
export function machineFields() {
  return { date: new Date().toISOString().slice(0, 10), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model };
}

/** Writes `result` as bench/results/<name>.json; returns that path. */
export function writeResult(name, result) {
  const path = `bench/results/${name}.json`;
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  return path;
}
