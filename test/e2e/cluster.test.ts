import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, DEMO_KEY } from './helpers/processes.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** One request on its own connection (the cluster primary hands out connections, not requests). */
function chat(url: string): Promise<{ status: number; worker: string; requestId: string }> {
  const body = JSON.stringify({ model: 'sim-small', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((done, fail) => {
    const req = request(
      `${url}/v1/chat/completions`,
      { method: 'POST', agent: false, headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, worker: String(res.headers['x-gantry-worker'] ?? ''), requestId: String(res.headers['x-gantry-request-id'] ?? '') }),
        );
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** GET on a new connection; the body and the worker that answered. */
function get(url: string): Promise<{ body: string; worker: string }> {
  return new Promise((done, fail) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => done({ body, worker: String(res.headers['x-gantry-worker'] ?? '') }));
    })
      .on('error', fail)
      .end();
  });
}

/** Sum of gantry_requests_total samples for the chat endpoint with status 200. */
const chatRequests = (metrics: string) =>
  metrics
    .split('\n')
    .filter((l) => l.startsWith('gantry_requests_total{') && l.includes('endpoint="chat.completions"') && l.includes('status="200"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(check: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('gantry start --workers 2', () => {
  it('serves from 2 processes on one port, replaces a killed worker, and stops cleanly with every usage event written', async () => {
    if (!existsSync(join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-cluster-e2e-'));
    const proc = spawn(process.execPath, [join(ROOT, 'bin/gantry.js'), 'start', '--workers', '2'], {
      env: {
        ...process.env,
        GANTRY_PORT: '0',
        GANTRY_HOST: '127.0.0.1',
        GANTRY_DATA_DIR: dataDir,
        GANTRY_CONFIG: '',
        GANTRY_DEMO_KEY: DEMO_KEY,
        GANTRY_ADMIN_TOKEN: ADMIN_TOKEN,
        GANTRY_LOG_LEVEL: 'warn',
        GANTRY_USAGE_FLUSH_MS: '50',
        GANTRY_WORKERS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      const url = await until(async () => /listening on (http:\/\/[\d.:]+)/.exec(out)?.[1], 40_000).catch(() => {
        throw new Error(`gantry did not start. Output:\n${out}`);
      });
      // The banner is printed once, by the primary, after both workers listen.
      expect(out.match(/listening on/g)).toHaveLength(1);
      expect(out).toContain('Workers: 2 processes share this port');

      const served: Array<{ worker: string; requestId: string }> = [];
      for (let i = 0; i < 20; i++) {
        const r = await chat(url);
        expect(r.status).toBe(200);
        served.push(r);
      }
      const pids = [...new Set(served.map((r) => r.worker))];
      expect(pids).toHaveLength(2);
      expect(pids).not.toContain(String(proc.pid));

      // /metrics answers for the whole cluster, whichever worker takes the scrape.
      const scrapes = await Promise.all(Array.from({ length: 6 }, () => get(`${url}/metrics`)));
      expect(new Set(scrapes.map((m) => m.worker)).size).toBe(2);
      for (const m of scrapes) expect(chatRequests(m.body)).toBe(20);

      // SIGKILL one worker: the primary starts a replacement; requests keep being answered.
      const victim = Number(pids[0]);
      process.kill(victim, 'SIGKILL');
      await until(async () => (alive(victim) ? undefined : true), 5_000);
      const after = await until(async () => {
        const r = await chat(url);
        if (r.status !== 200) return undefined;
        served.push(r);
        const seen = new Set(served.slice(20).map((s) => s.worker));
        return seen.size === 2 ? seen : undefined;
      }, 30_000);
      expect(after.has(String(victim))).toBe(false);
      const survivorsServed = served.filter((r) => r.worker !== String(victim));

      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      const workerPids = [...new Set(served.map((r) => Number(r.worker)))];
      expect(workerPids.filter(alive)).toEqual([]);

      // Every request answered by a worker that was stopped (not killed) is in the ledger; those of the
      // killed worker are in the ledger (replayed by a survivor) or still in its outbox segments (the
      // next start replays them): none is lost.
      const db = new Database(join(dataDir, 'gantry.db'), { readonly: true });
      try {
        const inLedger = (ids: string[]) =>
          new Set((db.prepare(`SELECT request_id FROM usage_events WHERE request_id IN (${ids.map(() => '?').join(',')})`).pluck().all(...ids) as string[]));
        const ids = survivorsServed.map((r) => r.requestId);
        expect(inLedger(ids).size).toBe(ids.length);
        const all = served.map((r) => r.requestId);
        const outboxDir = join(dataDir, 'outbox');
        const pending = new Set(
          (existsSync(outboxDir) ? readdirSync(outboxDir) : []).flatMap((f) =>
            readFileSync(join(outboxDir, f), 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => (JSON.parse(l) as { requestId: string }).requestId),
          ),
        );
        const ledger = inLedger(all);
        expect(all.filter((id) => !ledger.has(id) && !pending.has(id))).toEqual([]);
      } finally {
        db.close();
      }
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  }, 120_000);
});
