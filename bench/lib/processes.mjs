// Process helpers for the benchmark: spawn pinned processes, wait for their URL, read RSS/CPU from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/**
 * Spawns `node args` (pinned to `cpu` when taskset exists) and resolves once its stdout or stderr
 * matches `pattern`. A process that does not start in time is killed (no orphan keeps the bench alive).
 */
export function spawnNode(args, { env = {}, cpu, pattern }) {
  const cmd = hasTaskset && cpu !== undefined ? 'taskset' : process.execPath;
  const argv = hasTaskset && cpu !== undefined ? ['-c', String(cpu), process.execPath, ...args] : args;
  const proc = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`timeout starting ${args.join(' ')}\n${out}`));
    }, 20_000);
    const onData = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, url: m[1], pinned: hasTaskset && cpu !== undefined });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`exited ${code}\n${out}`)));
  });
}

const CLK_TCK = 100;

/** CPU seconds (user+system) used so far by a pid, from /proc. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

export function stop(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(proc.exitCode);
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
  });
}
