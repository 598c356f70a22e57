import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAdminClient, resolveTarget } from './admin-client.js';
import { CliError, formatCliError } from './cli-error.js';
import { cliConfigPath, writeCliConfig } from './cli-config.js';
import type { CliContext } from './context.js';

const NOW = Date.parse('2026-05-01T00:00:00Z');

function ctx(env: NodeJS.ProcessEnv = {}, fetchImpl?: typeof fetch): CliContext & { cwd: string } {
  const home = mkdtempSync(join(tmpdir(), 'gantry-client-'));
  const cwd = join(home, 'project');
  mkdirSync(cwd);
  return {
    env: { XDG_CONFIG_HOME: join(home, 'config'), ...env },
    cwd,
    out: () => {},
    err: () => {},
    fetch: fetchImpl ?? (async () => new Response('{}')),
    now: () => NOW,
    readStdin: async () => '',
  };
}

function login(c: CliContext, servers: Record<string, { token: string; expiresAt?: string }>, current?: string) {
  writeCliConfig(cliConfigPath(c.env), { ...(current ? { current } : {}), servers });
}

describe('server and token resolution', () => {
  it('defaults to the local server and its admin-token file', () => {
    const c = ctx();
    mkdirSync(join(c.cwd, '.gantry'));
    writeFileSync(join(c.cwd, '.gantry/admin-token'), 'gat_local\n');
    expect(resolveTarget(c, {})).toMatchObject({ server: 'http://127.0.0.1:4000', token: 'gat_local', tokenSource: 'admin-token file' });
  });

  it('never falls back to the local admin token when a login is stored for the server, even an expired one', () => {
    const c = ctx();
    mkdirSync(join(c.cwd, '.gantry'));
    writeFileSync(join(c.cwd, '.gantry/admin-token'), 'gat_local\n');
    login(c, { 'http://127.0.0.1:4000': { token: 'gut_auditor', expiresAt: '2020-01-01T00:00:00Z' } }, 'http://127.0.0.1:4000');
    expect(resolveTarget(c, {})).toMatchObject({ token: 'gut_auditor', tokenSource: 'config', expiredAt: '2020-01-01T00:00:00Z' });
  });

  it('reads the admin token from GANTRY_DATA_DIR when set', () => {
    const c = ctx();
    const data = join(c.cwd, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'admin-token'), 'gat_data');
    expect(resolveTarget({ ...c, env: { ...c.env, GANTRY_DATA_DIR: data } }, {}).token).toBe('gat_data');
  });

  it('never sends the local admin-token file to a non-loopback server', () => {
    const c = ctx({ GANTRY_URL: 'https://gantry.example.com' });
    mkdirSync(join(c.cwd, '.gantry'));
    writeFileSync(join(c.cwd, '.gantry/admin-token'), 'gat_local');
    expect(resolveTarget(c, {})).toMatchObject({ server: 'https://gantry.example.com', token: undefined, tokenSource: 'none' });
  });

  it('uses the current server of the config and its stored token', () => {
    const c = ctx();
    login(c, { 'https://a.example': { token: 'gut_a' } }, 'https://a.example');
    expect(resolveTarget(c, {})).toMatchObject({ server: 'https://a.example', token: 'gut_a', tokenSource: 'config' });
  });

  it('orders: --server > GANTRY_URL > config current; --token > GANTRY_TOKEN > config', () => {
    const c = ctx({ GANTRY_URL: 'https://env.example/', GANTRY_TOKEN: 'gut_env' });
    login(c, { 'https://env.example': { token: 'gut_cfg' }, 'https://flag.example': { token: 'gut_flag_cfg' } }, 'https://cfg.example');
    expect(resolveTarget(c, {})).toMatchObject({ server: 'https://env.example', token: 'gut_env' });
    expect(resolveTarget(c, { server: 'https://flag.example' })).toMatchObject({ server: 'https://flag.example', token: 'gut_env' });
    expect(resolveTarget(c, { token: 'gut_flag' }).token).toBe('gut_flag');
    const noEnvToken = { ...c, env: { ...c.env, GANTRY_TOKEN: undefined } };
    expect(resolveTarget(noEnvToken, { server: 'https://flag.example' }).token).toBe('gut_flag_cfg');
  });

  it('still sends an expired-looking stored login (the server decides) and says when it expired on 401', async () => {
    const c = ctx({}, async () => Response.json({ error: { message: 'Log in first.', code: 'GW_ADMIN_AUTH_REQUIRED' } }, { status: 401 }));
    login(c, { 'https://a.example': { token: 'gut_old', expiresAt: '2026-04-30T00:00:00Z' } }, 'https://a.example');
    const client = createAdminClient(c, {});
    expect(client.target.token).toBe('gut_old');
    const err = await client.request('GET', '/whoami').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toContain('expired at 2026-04-30T00:00:00Z');
  });

  it('refuses a server URL without a scheme', () => {
    expect(() => resolveTarget(ctx(), { server: 'gantry:4000' })).toThrow(/must start with http/);
  });
});

describe('requests', () => {
  it('sends the bearer token and query, and parses JSON', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const c = ctx({}, async (input, init) => {
      seen.push({ url: String(input), auth: new Headers(init?.headers).get('authorization') });
      return Response.json({ ok: true });
    });
    const client = createAdminClient(c, { server: 'http://127.0.0.1:9', token: 'gat_x' });
    expect(await client.request('GET', '/teams', { query: { limit: 5, continue: undefined } })).toEqual({ ok: true });
    expect(seen).toEqual([{ url: 'http://127.0.0.1:9/admin/v1/teams?limit=5', auth: 'Bearer gat_x' }]);
  });

  it('turns a server error body into a CliError with code and details, printed once each', async () => {
    const body = {
      error: {
        message: 'the request body is not valid (2 problems):\n  - document 1 (Team "a"): spec.x: unknown field\n  - document 2: kind: required\nNothing was applied.',
        code: 'GW_RESOURCE_INVALID',
        details: [
          { document: 'document 1 (Team "a")', path: 'spec.x', message: 'unknown field' },
          { document: 'document 2', path: '', message: 'kind: required' },
        ],
      },
    };
    const c = ctx({}, async () => Response.json(body, { status: 400 }));
    const err = (await createAdminClient(c, { token: 't' })
      .request('POST', '/apply')
      .catch((e: unknown) => e)) as CliError;
    expect(err.code).toBe('GW_RESOURCE_INVALID');
    expect(formatCliError(err)).toBe(
      'error GW_RESOURCE_INVALID: the request body is not valid (2 problems):\nNothing was applied.\n' +
        '  - document 1 (Team "a"): spec.x: unknown field\n' +
        '  - document 2: kind: required\n',
    );
  });

  it('names the URL when the server cannot be reached', async () => {
    const c = ctx({}, async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    });
    const err = (await createAdminClient(c, { server: 'http://127.0.0.1:1' })
      .request('GET', '/whoami')
      .catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    expect(err.message).toBe('cannot reach Gantry at http://127.0.0.1:1 (ECONNREFUSED). Is it running? Point the CLI at it with --server or GANTRY_URL.');
  });

  it('reports a non-JSON error body with the HTTP status', async () => {
    const c = ctx({}, async () => new Response('Bad Gateway', { status: 502 }));
    const err = (await createAdminClient(c, { token: 't' })
      .request('GET', '/teams')
      .catch((e: unknown) => e)) as CliError;
    expect(formatCliError(err)).toBe('error: http://127.0.0.1:4000 answered HTTP 502: Bad Gateway\n');
  });
});
