import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/gantry.js');

export const DEMO_KEY = 'gk_e2e_demo_key_0123456789abcdefghijklmnop';
export const ADMIN_TOKEN = 'gat_e2e_admin_token_0123456789';

export interface RunningProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly output: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunningGantry extends RunningProcess {
  readonly dataDir: string;
  readonly key: string;
  readonly adminToken: string;
}

function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests (npm test does).');
}

/** Spawns `gantry <args>` and waits until it prints its URL. */
function spawnAndWaitForUrl(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp, timeoutMs = 15_000): Promise<RunningProcess> {
  assertBuilt();
  const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`process did not start in ${timeoutMs} ms. Output:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolvePromise({
          url: m[1],
          proc,
          output: () => out,
          stop: async (signal = 'SIGTERM') => {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
            return exited;
          },
        });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited with ${code} before it was ready. Output:\n${out}`));
    });
  });
}

/** Starts `gantry start`; `dataDir` shares another process's data directory (and its SQLite file). */
export async function startGantry(options: { config?: string; env?: NodeJS.ProcessEnv; dataDir?: string } = {}): Promise<RunningGantry> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gantry-e2e-'));
  const env: NodeJS.ProcessEnv = {
    GANTRY_PORT: '0',
    GANTRY_HOST: '127.0.0.1',
    GANTRY_DATA_DIR: dataDir,
    GANTRY_DEMO_KEY: DEMO_KEY,
    GANTRY_ADMIN_TOKEN: ADMIN_TOKEN,
    GANTRY_LOG_LEVEL: 'warn',
    GANTRY_USAGE_FLUSH_MS: '50',
    ...options.env,
  };
  if (options.config !== undefined) {
    const path = join(dataDir, 'gantry.yaml');
    writeFileSync(path, options.config);
    env.GANTRY_CONFIG = path;
  } else {
    env.GANTRY_CONFIG = '';
  }
  const p = await spawnAndWaitForUrl(['start'], env, /listening on (http:\/\/[\d.:]+)/);
  return { ...p, dataDir, key: DEMO_KEY, adminToken: ADMIN_TOKEN };
}

export function startSimulator(args: string[] = ['--instant']): Promise<RunningProcess> {
  return spawnAndWaitForUrl(['simulator', '--port', '0', ...args], {}, /listening on (http:\/\/[\d.:]+)\/v1/);
}

/** Runs `gantry <args>` to completion. */
export function runGantry(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  assertBuilt();
  return new Promise((resolvePromise) => {
    const proc = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

/** Reads usage events through the admin API (which flushes pending events first). */
export async function usageEvents(g: RunningGantry, query = 'limit=100'): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${g.url}/admin/v1/usage/events?${query}`, { headers: { authorization: `Bearer ${g.adminToken}` } });
  if (!res.ok) throw new Error(`admin API answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
}

/** Polls until `check` returns a value (usage is written asynchronously). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
