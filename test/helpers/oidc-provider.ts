import { generateKeyPairSync } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type AccountClaims } from 'oidc-provider';

export interface TestIdentityProvider {
  /** Issuer URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly issuer: string;
  readonly clientId: string;
  /** Provider-side errors (logged by oidc-provider as events), to explain a failing test. */
  readonly errors: string[];
  close(): Promise<void>;
}

export interface TestIdentityProviderOptions {
  /** Login name (what the dev login form accepts) → claims besides `sub`. */
  readonly accounts: Readonly<Record<string, Omit<AccountClaims, 'sub'>>>;
  /** Exact redirect URIs to register; loopback ones match any port (RFC 8252 §7.3, native clients). */
  readonly redirectUris: readonly string[];
}

/**
 * A real OpenID Provider (oidc-provider) on 127.0.0.1:<random>, with one public native client using PKCE
 * and the development login/consent pages (any password is accepted).
 */
export async function startTestIdentityProvider(opts: TestIdentityProviderOptions): Promise<TestIdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'gantry-test';
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [...opts.redirectUris],
      },
    ],
    findAccount: (_ctx, sub) => {
      const claims = opts.accounts[sub];
      return claims === undefined ? undefined : { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['gantry-sso-test-cookie-key'] },
    pkce: { required: () => true },
    // Explicit lifetimes (seconds) also keep oidc-provider from printing a notice per default.
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600 },
    features: { devInteractions: { enabled: true } },
  });
  const errors: string[] = [];
  for (const event of ['server_error', 'authorization.error', 'grant.error', 'userinfo.error']) {
    provider.on(event, (...args: unknown[]) => errors.push(`${event}: ${String(args.find((a) => a instanceof Error) ?? '')}`));
  }
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
