import { GatewayError } from '../../kernel/errors/index.js';

/** Body of POST /auth/oidc/token: what the CLI's loopback login hands to Gantry for the code exchange. */
export interface TokenRequest {
  readonly callbackUrl: URL;
  readonly codeVerifier: string;
  readonly state: string;
  readonly nonce: string;
}

const FIELDS = ['callbackUrl', 'codeVerifier', 'state', 'nonce'] as const;

export const TOKEN_REQUEST_SCHEMA = {
  type: 'object',
  required: [...FIELDS],
  properties: {
    callbackUrl: { type: 'string', description: 'The loopback redirect the identity provider sent the browser to, with its query.' },
    codeVerifier: { type: 'string', description: 'PKCE code verifier of the authorization request.' },
    state: { type: 'string' },
    nonce: { type: 'string' },
  },
} as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

/**
 * Only an RFC 8252 loopback redirect (`http://127.0.0.1:<port>/…`, `http://localhost:<port>/…`) is accepted:
 * the redirect URI sent to the token endpoint is derived from it, and this endpoint must not become a way to
 * redeem codes issued for other redirect URIs.
 */
function loopbackUrl(raw: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname) || url.port === '' || url.username || url.password) {
    throw new GatewayError(
      'GW_REQUEST_INVALID',
      'Invalid request: callbackUrl must be a loopback redirect such as http://127.0.0.1:<port>/callback?code=…; use /admin/v1/auth/oidc/login for browser logins.',
      { param: 'callbackUrl' },
    );
  }
  return url;
}

export function parseTokenRequest(body: Buffer): TokenRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new GatewayError('GW_REQUEST_MALFORMED_JSON', `The request body is not valid JSON (${err instanceof Error ? err.message : 'parse error'}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new GatewayError('GW_REQUEST_INVALID', 'Invalid request: the body must be a JSON object { callbackUrl, codeVerifier, state, nonce }.');
  }
  const o = parsed as Record<string, unknown>;
  for (const field of FIELDS) {
    const v = o[field];
    if (typeof v !== 'string' || v.length === 0) {
      throw new GatewayError('GW_REQUEST_INVALID', `Invalid request: ${field} is required (a non-empty string).`, { param: field });
    }
  }
  return {
    callbackUrl: loopbackUrl(o.callbackUrl as string),
    codeVerifier: o.codeVerifier as string,
    state: o.state as string,
    nonce: o.nonce as string,
  };
}
