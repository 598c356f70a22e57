import { spawn } from 'node:child_process';
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { ERROR_CATALOGUE, type ErrorCode, GatewayError } from '../../kernel/errors/index.js';

export interface SsoLoginOptions {
  /** Gantry base URL, e.g. http://127.0.0.1:4000. */
  readonly server: string;
  readonly openBrowser: boolean;
  readonly print: (line: string) => void;
}

export interface SsoLoginResult {
  readonly token: string;
  readonly expiresAt: string;
  readonly user: string;
}

interface OidcPublicConfig {
  readonly enabled: boolean;
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

const CALLBACK_TIMEOUT_MS = 5 * 60_000;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function callServer(url: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new Error(`cannot reach Gantry at ${url} (${err instanceof Error ? err.message : String(err)}); check --server / GANTRY_URL.`);
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (res.ok) return body;
  const error = (body as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : `Gantry answered HTTP ${res.status} at ${url}.`;
  const code = typeof error?.code === 'string' && error.code in ERROR_CATALOGUE ? (error.code as ErrorCode) : undefined;
  throw code === undefined ? new Error(message) : new GatewayError(code, message, { status: res.status });
}

async function readConfig(server: string): Promise<OidcPublicConfig> {
  const body = (await callServer(`${server}/admin/v1/auth/oidc/config`)) as Partial<OidcPublicConfig> | undefined;
  if (!body?.enabled || typeof body.issuer !== 'string' || typeof body.clientId !== 'string') {
    throw new GatewayError(
      'GW_SSO_NOT_CONFIGURED',
      `Single sign-on is not configured on ${server}. Ask your Gantry administrator (docs/sso.md), or log in with \`gantry login --token <token>\`.`,
    );
  }
  return { enabled: true, issuer: body.issuer, clientId: body.clientId, scopes: Array.isArray(body.scopes) ? body.scopes : ['openid'] };
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    // No browser (headless host, no xdg-open): the printed URL is the fallback.
    child.on('error', () => {});
    child.unref();
  } catch {
    // Same fallback.
  }
}

function page(res: ServerResponse, status: number, title: string, text: string): Promise<void> {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  return new Promise((resolve) => res.end(html, () => resolve()));
}

async function listenLoopback(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Waits for the browser to come back to the loopback redirect with our state; other requests are turned away. */
function waitForCallback(server: Server, base: string, state: string): Promise<{ url: URL; res: ServerResponse }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new GatewayError('GW_SSO_FAILED', 'Single sign-on failed: no browser login within 5 minutes. Run `gantry login --sso` again.'));
    }, CALLBACK_TIMEOUT_MS);
    timer.unref();
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname !== '/callback') {
        res.writeHead(404, { connection: 'close' }).end();
        return;
      }
      // A stale tab or another page hitting the port must not end (or hijack) the login in progress.
      if (url.searchParams.get('state') !== state) {
        void page(res, 400, 'Gantry login', 'This page does not belong to the login in progress. Use the newest login link from your terminal.');
        return;
      }
      clearTimeout(timer);
      resolve({ url, res });
    });
  });
}

/**
 * `gantry login --sso`: authorization code + PKCE with a loopback redirect (RFC 8252). The browser comes back
 * to 127.0.0.1; Gantry performs the code exchange and issues a user token.
 */
export async function ssoLogin(opts: SsoLoginOptions): Promise<SsoLoginResult> {
  const server = opts.server.replace(/\/+$/, '');
  const config = await readConfig(server);
  const issuer = new URL(config.issuer);
  let oidcConfig: oidc.Configuration;
  try {
    // Gantry refuses a plain-http issuer unless its operator allowed it, so the CLI follows the server here.
    oidcConfig = await oidc.discovery(issuer, config.clientId, undefined, oidc.None(), {
      execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
      timeout: 15,
    });
  } catch (err) {
    throw new Error(`cannot read the identity provider's configuration at ${config.issuer} (${err instanceof Error ? err.message : String(err)}).`);
  }

  const { server: loopback, port } = await listenLoopback();
  try {
    const base = `http://127.0.0.1:${port}`;
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const authUrl = oidc.buildAuthorizationUrl(oidcConfig, {
      redirect_uri: `${base}/callback`,
      scope: config.scopes.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    const callback = waitForCallback(loopback, base, state);
    opts.print('Log in with your browser. If it does not open by itself, open this URL:');
    opts.print(authUrl.href);
    opts.print(`No browser on this machine? Open ${server}/admin/v1/auth/oidc/login on one that has one and run the command it shows.`);
    opts.print('Waiting for the login to finish (5 minutes at most)…');
    if (opts.openBrowser) openInBrowser(authUrl.href);

    const { url, res } = await callback;
    const providerError = url.searchParams.get('error');
    if (providerError !== null) {
      const reason = [providerError, url.searchParams.get('error_description')].filter(Boolean).join(': ');
      await page(res, 400, 'Gantry login failed', `The identity provider refused the login (${reason}). Return to your terminal.`);
      throw new GatewayError('GW_SSO_FAILED', `Single sign-on failed: the identity provider refused the login (${reason}).`);
    }
    try {
      const result = (await callServer(`${server}/admin/v1/auth/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ callbackUrl: url.href, codeVerifier, state, nonce }),
      })) as Partial<SsoLoginResult> | undefined;
      if (typeof result?.token !== 'string' || typeof result.expiresAt !== 'string' || typeof result.user !== 'string') {
        throw new Error(`Gantry at ${server} answered the SSO token exchange without { token, expiresAt, user }.`);
      }
      await page(res, 200, 'You are logged in to Gantry', 'You can close this tab and return to your terminal.');
      return { token: result.token, expiresAt: result.expiresAt, user: result.user };
    } catch (err) {
      await page(res, 400, 'Gantry login failed', `${err instanceof Error ? err.message : String(err)} Return to your terminal.`);
      throw err;
    }
  } finally {
    loopback.close();
    loopback.closeAllConnections();
  }
}
