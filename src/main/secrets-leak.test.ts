import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getVerb } from '../cli/commands/get.js';
import { secretsVerb } from '../cli/commands/secrets.js';
import type { CliContext } from '../cli/context.js';
import { type RunningGateway, startGateway } from './gateway.js';
import { readSettings } from './settings.js';

/**
 * The plaintext scan (issue 10): Secrets created from gantry.yaml (fromEnv) and through the API,
 * rotated, used by Providers with apiKey {secretRef}. The upstream must see each value as its
 * Bearer token; nothing else may contain any value: logs (at trace level), audit entries, API and
 * CLI answers (json, yaml, table), apply/diff/dry-run results, error answers, /metrics, the SQLite
 * database and WAL bytes, the usage outbox — every file of the data directory.
 */
const ADMIN = 'gat_secrets_leak_admin_token_0123';
const DEMO = 'gk_secrets_leak_demo_key_0123456789abcdef';
const tag = randomBytes(6).toString('hex');
const VALUES = {
  fromEnv: `sk-leak-fromenv-${tag}`,
  fromEnvRotated: `sk-leak-fromenv2-${tag}`,
  api: `sk-leak-api-${tag}`,
  apiRotated: `sk-leak-apirot-${tag}`,
  cli: `sk-leak-cli-${tag}`,
  applied: `sk-leak-applied-${tag}`,
  refused: `sk-leak-refused-${tag}`,
};
const ALL = Object.values(VALUES);
const KEY_1 = randomBytes(32).toString('base64');
const KEY_2 = randomBytes(32).toString('hex');

/** The test's upstream: an OpenAI-compatible endpoint that records the Authorization header of each call. */
function startUpstream(): Promise<{ url: string; auth: string[]; server: Server }> {
  const auth: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      auth.push(String(req.headers.authorization));
      // Some upstreams echo the credential they refused.
      if (req.url?.startsWith('/echo/')) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}`, type: 'invalid_request_error' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, auth, server })));
}

const config = (upstream: string) => `
apiVersion: gantry/v1alpha1
kind: Secret
metadata: {name: upstream-env}
spec: {description: from the environment, fromEnv: {fromEnv: UPSTREAM_KEY}}
---
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: up-env}
spec: {type: openai-compatible, baseUrl: "${upstream}", apiKey: {secretRef: upstream-env}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: m-env}
spec: {provider: up-env, pricing: {inputPer1M: "1.00", outputPer1M: "2.00"}}
`;

const API_RESOURCES = (upstream: string) =>
  JSON.stringify([
    { apiVersion: 'gantry/v1alpha1', kind: 'Provider', metadata: { name: 'up-api' }, spec: { type: 'openai-compatible', baseUrl: upstream, apiKey: { secretRef: 'api-secret' } } },
    { apiVersion: 'gantry/v1alpha1', kind: 'Model', metadata: { name: 'm-api' }, spec: { provider: 'up-api', pricing: { inputPer1M: '1.00', outputPer1M: '2.00' } } },
    {
      apiVersion: 'gantry/v1alpha1',
      kind: 'Provider',
      metadata: { name: 'up-echo' },
      spec: { type: 'openai-compatible', baseUrl: upstream.replace('/v1', '/echo/v1'), apiKey: { secretRef: 'api-secret' } },
    },
    { apiVersion: 'gantry/v1alpha1', kind: 'Model', metadata: { name: 'm-echo' }, spec: { provider: 'up-echo', pricing: { inputPer1M: '1.00', outputPer1M: '2.00' } } },
  ]);

interface Started {
  readonly gateway: RunningGateway;
  readonly logs: string[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'gantry-secrets-leak-'));
const configDir = mkdtempSync(join(tmpdir(), 'gantry-secrets-leak-config-'));
/** Everything answered or printed during the test, scanned at the end. */
const seen: string[] = [];
const allLogs: string[] = [];
let upstream: Awaited<ReturnType<typeof startUpstream>>;
/** The gateway of the running test (stopped after it even when it fails: the next one reuses the data directory). */
let current: Started | undefined;

async function start(extraEnv: Record<string, string>): Promise<Started> {
  const logs: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logs.push(line) });
  const env = {
    GANTRY_PORT: '0',
    GANTRY_HOST: '127.0.0.1',
    GANTRY_DATA_DIR: dataDir,
    GANTRY_CONFIG: join(configDir, 'gantry.yaml'),
    GANTRY_DEMO_KEY: DEMO,
    GANTRY_ADMIN_TOKEN: ADMIN,
    GANTRY_USAGE_FLUSH_MS: '20',
    ...extraEnv,
  };
  const gateway = await startGateway(readSettings(env), env, logger);
  current = { gateway, logs };
  return current;
}

async function stop(s: Started): Promise<void> {
  if (current === s) current = undefined;
  await s.gateway.close();
  allLogs.push(...s.logs);
}

// biome-ignore lint/suspicious/noExplicitAny: the test reads answer fields directly and asserts them
async function admin(g: RunningGateway, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; text: string; json: any }> {
  const res = await fetch(`${g.url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  seen.push(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json };
}

async function chat(g: RunningGateway, model: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 }),
  });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, text };
}

/** Runs a CLI verb in this process against the gateway; its output joins what is scanned. */
async function cli(g: RunningGateway, verb: typeof getVerb, argv: string[], env: Record<string, string> = {}): Promise<string> {
  let out = '';
  const ctx: CliContext = {
    env: { GANTRY_URL: g.url, GANTRY_TOKEN: ADMIN, XDG_CONFIG_HOME: join(configDir, 'cli'), ...env },
    cwd: configDir,
    out: (t) => {
      out += t;
    },
    err: (t) => {
      out += t;
    },
    fetch: globalThis.fetch,
    now: () => Date.now(),
    readStdin: async () => '',
  };
  expect(await verb.run(argv, ctx), out).toBe(0);
  seen.push(out);
  return out;
}

/** Every file under the data directory (the database, its WAL, the usage outbox…), as bytes. */
function dataFiles(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...dataFiles(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

function scanFiles(where: string): void {
  const files = dataFiles(dataDir);
  const db = Buffer.concat(files.filter((f) => /gantry\.db(-wal)?$/.test(f.path)).map((f) => f.bytes));
  // The scan reads the real database: the Secret names are there (the values must not be).
  expect(db.includes('api-secret'), `${where}: gantry.db (and its WAL) hold the Secret rows`).toBe(true);
  for (const f of files) {
    for (const v of ALL) {
      expect(f.bytes.includes(v), `${where}: ${f.path} contains a plaintext value`).toBe(false);
      expect(f.bytes.includes(Buffer.from(v).toString('base64')), `${where}: ${f.path} contains a base64 plaintext value`).toBe(false);
    }
  }
}

function expectNoPlaintext(what: string, text: string): void {
  for (const v of ALL) expect(text.includes(v), `${what} contains a plaintext value`).toBe(false);
}

/** Whatever the process prints outside its logger (stdout, stderr, console). */
const printed: string[] = [];
const originalWrites = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;
const originalConsole = consoleMethods.map((m) => console[m]);

beforeAll(async () => {
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    printed.push(String(chunk));
    return originalWrites.out(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    printed.push(String(chunk));
    return originalWrites.err(chunk, ...rest);
  }) as typeof process.stderr.write;
  for (const [i, m] of consoleMethods.entries()) {
    console[m] = (...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
      (originalConsole[i] as (...a: unknown[]) => void)(...args);
    };
  }
  upstream = await startUpstream();
  writeFileSync(join(configDir, 'gantry.yaml'), config(upstream.url));
});

afterEach(async () => {
  if (current) await stop(current);
});

afterAll(async () => {
  process.stdout.write = originalWrites.out;
  process.stderr.write = originalWrites.err;
  for (const [i, m] of consoleMethods.entries()) console[m] = originalConsole[i] as (typeof console)[typeof m];
  await new Promise<void>((r) => {
    upstream.server.close(() => r());
    upstream.server.closeAllConnections();
  });
});

describe('Secrets never appear in clear outside the provider call', () => {
  it('injects each value (and the rotated one) upstream, and leaks none anywhere', async () => {
    const s = await start({ GANTRY_MASTER_KEY: KEY_1, UPSTREAM_KEY: VALUES.fromEnv, CLI_SECRET: VALUES.cli });
    const g = s.gateway;

    // gantry.yaml's Secret (fromEnv) is injected as the upstream's Bearer token.
    expect((await chat(g, 'm-env')).status).toBe(200);
    expect(upstream.auth.at(-1)).toBe(`Bearer ${VALUES.fromEnv}`);

    // A Secret through the API, a Provider using it, then a rotation: the next call uses the new value.
    const created = await admin(g, 'POST', '/secrets', { name: 'api-secret', value: VALUES.api, rotationGraceSeconds: 60 });
    expect(created.status).toBe(201);
    expect((await admin(g, 'POST', '/apply', API_RESOURCES(upstream.url))).status).toBe(200);
    expect((await chat(g, 'm-api')).status).toBe(200);
    expect(upstream.auth.at(-1)).toBe(`Bearer ${VALUES.api}`);
    const rotated = await admin(g, 'POST', '/secrets/api-secret/rotate', { value: VALUES.apiRotated });
    expect(rotated.json.status.currentVersion).toBe(2);
    expect((await chat(g, 'm-api')).status).toBe(200);
    expect(upstream.auth.at(-1)).toBe(`Bearer ${VALUES.apiRotated}`);
    // An upstream that echoes the refused credential: the client's error (and the usage event) never carries it.
    const echoed = await chat(g, 'm-echo');
    expect(upstream.auth.at(-1)).toBe(`Bearer ${VALUES.apiRotated}`);
    expect(echoed.status).toBeGreaterThanOrEqual(400);
    expect(echoed.text).toContain('Incorrect API key provided: [credential]');
    const events = await admin(g, 'GET', '/usage/events?limit=100');
    expect(events.status).toBe(200);

    // The CLI: create from this shell's environment, list in every format.
    await cli(g, secretsVerb, ['create', 'cli-secret', '--from-env', 'CLI_SECRET'], { CLI_SECRET: VALUES.cli });
    for (const format of ['json', 'yaml', 'table']) await cli(g, getVerb, ['secrets', '-o', format]);
    await cli(g, getVerb, ['secret', 'api-secret', '-o', 'yaml']);

    // Apply with spec.value: dry run (diff), apply, re-apply (unchanged), GETs.
    const applied = `apiVersion: gantry/v1alpha1\nkind: Secret\nmetadata: {name: applied}\nspec: {value: "${VALUES.applied}"}\n`;
    expect((await admin(g, 'POST', '/apply?dryRun=true', applied, 'application/yaml')).json.results[0].action).toBe('created');
    expect((await admin(g, 'POST', '/apply', applied, 'application/yaml')).json.results[0].action).toBe('created');
    expect((await admin(g, 'POST', '/apply', applied, 'application/yaml')).json.results[0].action).toBe('unchanged');
    for (const path of ['/secrets', '/secrets/api-secret', '/secrets/applied', '/secrets/upstream-env', '/providers/up-api']) expect((await admin(g, 'GET', path)).status).toBe(200);

    // Error answers: malformed JSON around a value, a schema error, a refused environment variable, a conflict, a 404.
    const refused = [
      await admin(g, 'POST', '/apply', `{"apiVersion":"gantry/v1alpha1","kind":"Secret","metadata":{"name":"bad"},"spec":{"value": ${VALUES.refused}}}`),
      await admin(g, 'POST', '/apply', { apiVersion: 'gantry/v1alpha1', kind: 'Secret', metadata: { name: 'bad' }, spec: { value: VALUES.refused, bogus: 1 } }),
      await admin(g, 'POST', '/apply', { apiVersion: 'gantry/v1alpha1', kind: 'Secret', metadata: { name: 'bad' }, spec: { fromEnv: { fromEnv: 'UPSTREAM_KEY' } } }),
      await admin(g, 'POST', '/secrets', { name: 'api-secret', value: VALUES.refused }),
      await admin(g, 'POST', '/secrets', { name: 'Not A Name', value: VALUES.refused }),
      await admin(g, 'POST', '/secrets/nope/rotate', { value: VALUES.refused }),
      await admin(g, 'POST', '/secrets', `{"name":"x","value":"${VALUES.refused}`),
      // An unquoted YAML value starting with `*` is an alias: the YAML library's error quotes it.
      await admin(g, 'POST', '/apply', `apiVersion: gantry/v1alpha1\nkind: Secret\nmetadata: {name: bad}\nspec:\n  value: *${VALUES.refused}\n`, 'application/yaml'),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 409, 400, 404, 400, 400]);

    // Audit (every entry), /metrics, then the files while the process runs (database + WAL).
    const audit = await admin(g, 'GET', '/audit?limit=1000');
    expect(audit.json.items.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['apply', 'secrets.create', 'secrets.rotate']));
    const metrics = await fetch(`${g.url}/metrics`);
    seen.push(await metrics.text());
    scanFiles('running');
    await stop(s);
    scanFiles('stopped');
  });

  it('rotates a gantry.yaml Secret whose environment value changed at restart', async () => {
    const s = await start({ GANTRY_MASTER_KEY: KEY_1, UPSTREAM_KEY: VALUES.fromEnvRotated });
    const got = await admin(s.gateway, 'GET', '/secrets/upstream-env');
    expect(got.json.status.currentVersion).toBe(2);
    expect(got.json.status.versions[1]).toMatchObject({ version: 1, validUntil: expect.any(String) });
    expect((await chat(s.gateway, 'm-env')).status).toBe(200);
    expect(upstream.auth.at(-1)).toBe(`Bearer ${VALUES.fromEnvRotated}`);
    // The API Secret's rotated value survived the restart.
    expect((await chat(s.gateway, 'm-api')).status).toBe(200);
    expect(upstream.auth.at(-1)).toBe(`Bearer ${VALUES.apiRotated}`);
    await stop(s);
    scanFiles('after restart');
  });

  it('with a wrong master key: starts, logs which Secret cannot be decrypted, and answers GW_SECRET_UNAVAILABLE', async () => {
    const s = await start({ GANTRY_MASTER_KEY: KEY_2, UPSTREAM_KEY: VALUES.fromEnvRotated });
    const calls = upstream.auth.length;
    const r = await chat(s.gateway, 'm-api');
    expect(r.status).toBe(500);
    expect(JSON.parse(r.text).error.code).toBe('GW_SECRET_UNAVAILABLE');
    // The client learns who to ask; which key id and how to fix it are for the operator's log.
    expect(JSON.parse(r.text).error.message).toMatch(/credential of provider "up-api" cannot be used on this Gantry/);
    expect(JSON.parse(r.text).error.message).not.toMatch(/master key id/);
    expect(upstream.auth.length).toBe(calls);
    const line = s.logs.find((l) => l.includes('Provider \\"up-api\\" cannot be set up'));
    expect(line, s.logs.join('')).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({ level: 50, provider: 'up-api', secret: 'api-secret', code: 'GW_SECRET_UNAVAILABLE' });
    expect(JSON.parse(line as string).msg).toMatch(/Secret "api-secret" \(version 2\) cannot be decrypted\. It was encrypted with master key id/);
    // The rest of Gantry serves: the admin API answers, the process is alive.
    expect((await admin(s.gateway, 'GET', '/secrets')).status).toBe(200);
    await stop(s);
  });

  it('found no plaintext in any log line, answer or CLI output', () => {
    // At least the wrong-key start's error line was captured (the logger runs at trace level).
    expect(allLogs.some((l) => l.includes('cannot be set up'))).toBe(true);
    expectNoPlaintext('the logs', allLogs.join('\n'));
    expectNoPlaintext('what the process printed', printed.join('\n'));
    expectNoPlaintext('the answers and CLI output', seen.join('\n'));
    expect(existsSync(join(dataDir, 'master-key'))).toBe(false);
  });
});
