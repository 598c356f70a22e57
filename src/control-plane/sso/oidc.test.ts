import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptedBrowser } from '../../../test/helpers/browser.js';
import { type TestIdentityProvider, startTestIdentityProvider } from '../../../test/helpers/oidc-provider.js';
import { ssoLogin } from '../../cli/commands/login-sso.js';
import { isGatewayError, toGatewayError } from '../../kernel/errors/index.js';
import type { AdminRoute } from '../admin-api/types.js';
import { createOidcRoutes } from './oidc-routes.js';
import { readOidcSettings } from './settings.js';
import type { SsoIdentity } from './types.js';

const ACCOUNTS = {
  alice: { email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', groups: ['platform-admins', 'payments-devs'] },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob Builder', groups: ['finops'] },
};

/** The admin router is written elsewhere: a minimal dispatcher for the route table, as the real one would mount it. */
async function mount(routes: AdminRoute[]): Promise<{ url: string; close: () => Promise<void> }> {
  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes.find((r) => r.method === req.method && `/admin/v1${r.path}` === url.pathname);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      if (!route) throw new Error(`no route ${req.method} ${url.pathname}`);
      const out = await route.handle({
        method: route.method,
        url,
        params: {},
        headers: req.headers,
        body: Buffer.concat(chunks),
        actor: undefined,
        requestId: randomUUID(),
        sourceIp: req.socket.remoteAddress,
      });
      const type = out.raw?.contentType ?? 'application/json';
      res.writeHead(out.status, { ...out.headers, 'content-type': type });
      res.end(out.raw?.text ?? (out.body === undefined ? '' : JSON.stringify(out.body)));
    } catch (err) {
      const gw = toGatewayError(err);
      res.writeHead(gw.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: gw.message, type: gw.type, code: gw.code, param: gw.param ?? null } }));
    }
  }
  const server = createServer((req, res) => void dispatch(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface WireError {
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
}

async function errorOf(res: Response): Promise<WireError> {
  return ((await res.json()) as { error: WireError }).error;
}

describe('OIDC single sign-on against a real OpenID Provider', () => {
  const issued: SsoIdentity[] = [];
  let skewMs = 0;
  let idp: TestIdentityProvider;
  let gantry: { url: string; close: () => Promise<void> };
  let unconfigured: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    // The router is mounted first: the provider must know Gantry's browser callback URL.
    const routes: AdminRoute[] = [];
    gantry = await mount(routes);
    idp = await startTestIdentityProvider({
      accounts: ACCOUNTS,
      redirectUris: ['http://127.0.0.1/callback', `${gantry.url}/admin/v1/auth/oidc/callback`],
    });
    const settings = readOidcSettings({ GANTRY_OIDC_ISSUER: idp.issuer, GANTRY_OIDC_CLIENT_ID: idp.clientId, GANTRY_OIDC_ALLOW_HTTP: '1' });
    routes.push(
      ...createOidcRoutes({
        settings,
        publicUrl: () => gantry.url,
        cookieKey: randomBytes(32),
        now: () => Date.now() + skewMs,
        issueSession: async (identity) => {
          issued.push(identity);
          return { token: `gut_test_${issued.length}`, expiresAt: '2030-01-01T00:00:00.000Z', user: identity.subject };
        },
      }),
    );
    unconfigured = await mount(
      createOidcRoutes({
        settings: undefined,
        publicUrl: () => 'http://127.0.0.1:1',
        cookieKey: randomBytes(32),
        now: Date.now,
        issueSession: () => Promise.reject(new Error('must not be called')),
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([gantry?.close(), unconfigured?.close(), idp?.close()]);
  });

  const post = (base: string, path: string, body: unknown) =>
    fetch(`${base}/admin/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('publishes its settings for the CLI', async () => {
    const res = await fetch(`${gantry.url}/admin/v1/auth/oidc/config`);
    expect(await res.json()).toEqual({ enabled: true, issuer: idp.issuer, clientId: idp.clientId, scopes: ['openid', 'email', 'profile', 'groups'] });
  });

  it('CLI native login: loopback redirect, Gantry exchanges the code, groups reach issueSession', async () => {
    const browser = createScriptedBrowser('alice');
    const lines: string[] = [];
    let browsing: Promise<{ text: string; status: number }> | undefined;
    const result = await ssoLogin({
      server: `${gantry.url}/`,
      openBrowser: false,
      print: (line) => {
        lines.push(line);
        if (line.startsWith(`${idp.issuer}/`)) browsing = browser.visit(line);
      },
    });
    expect(result).toEqual({ token: `gut_test_${issued.length}`, expiresAt: '2030-01-01T00:00:00.000Z', user: 'alice' });
    const page = await browsing;
    expect(page?.status, idp.errors.join('\n')).toBe(200);
    expect(page?.text).toContain('You are logged in to Gantry');
    const authUrl = new URL(lines.find((l) => l.startsWith(idp.issuer)) ?? '');
    expect(authUrl.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(issued.at(-1)).toEqual({
      issuer: idp.issuer,
      subject: 'alice',
      email: 'alice@example.com',
      name: 'Alice Liddell',
      groups: ['platform-admins', 'payments-devs'],
    });
  });

  it('browser login: encrypted state cookie, redirect to the provider, token page once', async () => {
    const start = await fetch(`${gantry.url}/admin/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location') ?? '');
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('redirect_uri')).toBe(`${gantry.url}/admin/v1/auth/oidc/callback`);
    const cookie = start.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^gantry_oidc_login=[\w-]+; Path=\/admin\/v1\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain(location.searchParams.get('state') ?? 'missing');

    const browser = createScriptedBrowser('bob');
    const page = await browser.visit(`${gantry.url}/admin/v1/auth/oidc/login`);
    expect(page.status, page.text + idp.errors.join('\n')).toBe(200);
    expect(page.url.pathname).toBe('/admin/v1/auth/oidc/callback');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('set-cookie')).toMatch(/^gantry_oidc_login=; .*Max-Age=0/);
    const token = `gut_test_${issued.length}`;
    expect(page.text).toContain(`gantry login --token ${token} --server ${gantry.url}`);
    expect(page.text).toContain('You are logged in to Gantry as bob');
    expect(issued.at(-1)?.groups).toEqual(['finops']);
  });

  it('refuses a callback whose state does not match the login cookie, or without a live cookie', async () => {
    const browser = createScriptedBrowser('alice');
    const atCallback = (u: URL) => u.pathname === '/admin/v1/auth/oidc/callback';
    const stopped = await browser.visit(`${gantry.url}/admin/v1/auth/oidc/login`, { stopAt: atCallback });
    const count = issued.length;

    const forged = new URL(stopped.url);
    forged.searchParams.set('state', 'forged-state');
    const cookie = browser.cookieHeader();
    const wrongState = await fetch(forged, { headers: { cookie } });
    expect(wrongState.status).toBe(401);
    expect(await errorOf(wrongState)).toMatchObject({ code: 'GW_SSO_FAILED', message: expect.stringContaining('state') });

    const noCookie = await fetch(stopped.url);
    expect((await errorOf(noCookie)).code).toBe('GW_SSO_FAILED');

    skewMs = 11 * 60_000;
    try {
      const expired = await fetch(stopped.url, { headers: { cookie } });
      expect(await errorOf(expired)).toMatchObject({ code: 'GW_SSO_FAILED', message: expect.stringContaining('expired') });
    } finally {
      skewMs = 0;
    }
    expect(issued.length).toBe(count);
  });

  it('POST /auth/oidc/token checks state, refuses non-loopback callback URLs, then exchanges a good one', async () => {
    const verifier = randomPKCECodeVerifier();
    const auth = new URL(`${idp.issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: idp.clientId,
      response_type: 'code',
      scope: 'openid groups',
      redirect_uri: 'http://127.0.0.1:5999/callback',
      state: 'state-1',
      nonce: 'nonce-1',
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();
    const stopped = await createScriptedBrowser('bob').visit(auth.href, { stopAt: (u) => u.port === '5999' });
    const callbackUrl = stopped.url.href;
    const count = issued.length;

    const wrongState = await post(gantry.url, '/auth/oidc/token', { callbackUrl, codeVerifier: verifier, state: 'state-2', nonce: 'nonce-1' });
    expect(wrongState.status).toBe(401);
    expect((await errorOf(wrongState)).code).toBe('GW_SSO_FAILED');

    for (const bad of [
      callbackUrl.replace('http://127.0.0.1:5999', 'https://gantry.example.com'),
      callbackUrl.replace('http://127.0.0.1:5999', 'http://10.0.0.8:5999'),
      callbackUrl.replace('127.0.0.1:5999', '127.0.0.1'),
      'not a url',
    ]) {
      const res = await post(gantry.url, '/auth/oidc/token', { callbackUrl: bad, codeVerifier: verifier, state: 'state-1', nonce: 'nonce-1' });
      expect(res.status, bad).toBe(400);
      expect(await errorOf(res)).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'callbackUrl' });
    }
    expect(issued.length).toBe(count);

    const ok = await post(gantry.url, '/auth/oidc/token', { callbackUrl, codeVerifier: verifier, state: 'state-1', nonce: 'nonce-1' });
    expect(ok.status, idp.errors.join('\n')).toBe(200);
    expect(await ok.json()).toMatchObject({ token: `gut_test_${count + 1}`, user: 'bob' });
    expect(issued.at(-1)).toMatchObject({ subject: 'bob', groups: ['finops'] });
  });

  it('without OIDC settings: config says disabled, login steps answer GW_SSO_NOT_CONFIGURED', async () => {
    const config = await fetch(`${unconfigured.url}/admin/v1/auth/oidc/config`);
    expect(await config.json()).toMatchObject({ enabled: false });
    const login = await fetch(`${unconfigured.url}/admin/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(login.status).toBe(404);
    expect((await errorOf(login)).code).toBe('GW_SSO_NOT_CONFIGURED');
    const token = await post(unconfigured.url, '/auth/oidc/token', { callbackUrl: 'http://127.0.0.1:1/callback?code=x', codeVerifier: 'v', state: 's', nonce: 'n' });
    expect((await errorOf(token)).code).toBe('GW_SSO_NOT_CONFIGURED');
    const callback = await fetch(`${unconfigured.url}/admin/v1/auth/oidc/callback?code=x&state=y`);
    expect((await errorOf(callback)).code).toBe('GW_SSO_NOT_CONFIGURED');

    const cli = await ssoLogin({ server: unconfigured.url, openBrowser: false, print: () => {} }).catch((err: unknown) => err);
    expect(isGatewayError(cli) && cli.code).toBe('GW_SSO_NOT_CONFIGURED');
  });
});

