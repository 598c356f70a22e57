import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../kernel/errors/index.js';
import type { AdminRequest, AdminRoute } from '../admin-api/types.js';
import { renderTokenPage } from './callback-page.js';
import {
  LOGIN_COOKIE,
  LOGIN_COOKIE_TTL_SECONDS,
  assertCookieKey,
  clearLoginCookieHeader,
  loginCookieHeader,
  openLoginState,
  readCookie,
  sealLoginState,
} from './login-cookie.js';
import { type OidcClient, createOidcClient, ssoFailure } from './oidc-client.js';
import { TOKEN_REQUEST_SCHEMA, parseTokenRequest } from './token-request.js';
import type { IssueSession, OidcSettings } from './types.js';

export interface OidcRoutesDeps {
  readonly settings: OidcSettings | undefined;
  /** Listen URL of this Gantry, used when GANTRY_PUBLIC_URL is not set. */
  readonly publicUrl: () => string;
  /** 32 bytes: encrypts the browser flow's login cookie (AES-256-GCM); the same on every replica. */
  readonly cookieKey: Buffer;
  /** Epoch ms. */
  readonly now: () => number;
  readonly issueSession: IssueSession;
}

const random32 = (): string => randomBytes(32).toString('base64url');

export const CALLBACK_PATH = '/admin/v1/auth/oidc/callback';
const NO_STORE = { 'cache-control': 'no-store' } as const;

/** The public `/auth/oidc/*` admin routes: configuration for the CLI, the CLI's code exchange, and the browser flow. */
export function createOidcRoutes(deps: OidcRoutesDeps): AdminRoute[] {
  assertCookieKey(deps.cookieKey);
  const { settings } = deps;
  const client = settings === undefined ? undefined : createOidcClient(settings);

  function configured(): { settings: OidcSettings; client: OidcClient } {
    if (settings === undefined || client === undefined) throw new GatewayError('GW_SSO_NOT_CONFIGURED');
    return { settings, client };
  }

  const baseUrl = (s: OidcSettings) => (s.publicUrl ?? deps.publicUrl()).replace(/\/+$/, '');
  const isSecure = (s: OidcSettings) => baseUrl(s).startsWith('https:');
  const meta = (req: AdminRequest) => ({ requestId: req.requestId, sourceIp: req.sourceIp });

  const config: AdminRoute = {
    method: 'GET',
    path: '/auth/oidc/config',
    auth: 'public',
    summary: 'SSO settings for the CLI login: { enabled, issuer, clientId, scopes }',
    async handle() {
      if (settings === undefined) return { status: 200, body: { enabled: false, issuer: null, clientId: null, scopes: [] } };
      return { status: 200, body: { enabled: true, issuer: settings.issuer, clientId: settings.clientId, scopes: settings.scopes } };
    },
  };

  const token: AdminRoute = {
    method: 'POST',
    path: '/auth/oidc/token',
    auth: 'public',
    summary: 'Finish a CLI login: exchange the loopback callback code and issue a user token',
    requestSchema: TOKEN_REQUEST_SCHEMA,
    async handle(req) {
      const sso = configured();
      const body = parseTokenRequest(req.body);
      const identity = await sso.client.exchange(body.callbackUrl, body);
      const session = await deps.issueSession(identity, meta(req));
      return { status: 200, body: { token: session.token, expiresAt: session.expiresAt, user: session.user }, headers: NO_STORE };
    },
  };

  const login: AdminRoute = {
    method: 'GET',
    path: '/auth/oidc/login',
    auth: 'public',
    summary: 'Browser login: redirects to the identity provider',
    async handle() {
      const sso = configured();
      // 32 random bytes each, base64url (what openid-client's helpers produce), without loading it at start.
      const state = { state: random32(), nonce: random32(), codeVerifier: random32() };
      const location = await sso.client.authorizationUrl({ ...state, redirectUri: `${baseUrl(sso.settings)}${CALLBACK_PATH}` });
      const cookie = sealLoginState(deps.cookieKey, { ...state, expiresAt: deps.now() + LOGIN_COOKIE_TTL_SECONDS * 1000 });
      return {
        status: 302,
        headers: { location: location.href, 'set-cookie': loginCookieHeader(cookie, isSecure(sso.settings)), ...NO_STORE },
      };
    },
  };

  const callback: AdminRoute = {
    method: 'GET',
    path: '/auth/oidc/callback',
    auth: 'public',
    summary: "The identity provider's redirect target of the browser login; shows the user token once",
    async handle(req) {
      const sso = configured();
      const sealed = readCookie(req.headers.cookie, LOGIN_COOKIE);
      const state = sealed === undefined ? undefined : openLoginState(deps.cookieKey, sealed);
      if (state === undefined || state.expiresAt < deps.now()) {
        throw ssoFailure('the login cookie is missing or expired (finish the login within 10 minutes, in the browser that started it)');
      }
      // The redirect URI as registered, not as this request reached us (a proxy may have rewritten host or scheme).
      const callbackUrl = new URL(`${baseUrl(sso.settings)}${CALLBACK_PATH}`);
      callbackUrl.search = req.url.search;
      const identity = await sso.client.exchange(callbackUrl, state);
      const session = await deps.issueSession(identity, meta(req));
      return {
        status: 200,
        raw: { contentType: 'text/html; charset=utf-8', text: renderTokenPage(session, baseUrl(sso.settings)) },
        headers: {
          ...NO_STORE,
          'set-cookie': clearLoginCookieHeader(isSecure(sso.settings)),
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
        },
      };
    },
  };

  return [config, token, login, callback];
}
