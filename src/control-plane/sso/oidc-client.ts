import type * as OidcLib from 'openid-client';
import { GatewayError } from '../../kernel/errors/index.js';
import { type Claims, identityFromClaims, missingClaims } from './identity.js';
import type { OidcSettings, SsoIdentity } from './types.js';

export interface CodeExchangeChecks {
  readonly codeVerifier: string;
  readonly state: string;
  readonly nonce: string;
}

export interface OidcClient {
  authorizationUrl(params: { redirectUri: string; state: string; nonce: string; codeVerifier: string }): Promise<URL>;
  /** Exchanges the code in `callbackUrl` (the redirect URI plus the provider's query) and returns who logged in. */
  exchange(callbackUrl: URL, checks: CodeExchangeChecks): Promise<SsoIdentity>;
}

type Oidc = typeof OidcLib;

function detail(oidc: Oidc, err: unknown): string {
  if (err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ResponseBodyError) {
    return err.error_description ? `${err.error}: ${err.error_description}` : err.error;
  }
  // openid-client wraps the precise reason (e.g. 'unexpected "state" response parameter value') in its cause.
  if (err instanceof oidc.ClientError && err.cause instanceof Error && err.cause.message !== err.message) {
    return `${err.message}: ${err.cause.message}`;
  }
  return err instanceof Error ? err.message : String(err);
}

export function ssoFailure(reason: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_SSO_FAILED', `Single sign-on failed: ${reason}. Start the login again with \`gantry login --sso\`.`, { cause });
}

/** openid-client over one identity provider; discovery runs at first use and is cached (retried after a failure). */
export function createOidcClient(settings: OidcSettings): OidcClient {
  let discovered: Promise<OidcLib.Configuration> | undefined;
  // Loaded at the first login, not at start: a Gantry without SSO never pays for the library.
  let lib: Promise<Oidc> | undefined;
  const load = (): Promise<Oidc> => {
    lib ??= import('openid-client');
    return lib;
  };

  async function discover(): Promise<OidcLib.Configuration> {
    const oidc = await load();
    const secret = settings.clientSecret;
    // client_secret_basic is the OIDC default method; without a secret the client is public and relies on PKCE.
    const auth = secret === undefined ? oidc.None() : oidc.ClientSecretBasic(secret);
    try {
      return await oidc.discovery(new URL(settings.issuer), settings.clientId, secret === undefined ? undefined : { client_secret: secret }, auth, {
        execute: settings.allowHttp ? [oidc.allowInsecureRequests] : [],
        timeout: 10,
      });
    } catch (err) {
      throw new GatewayError(
        'GW_SSO_FAILED',
        `Single sign-on failed: cannot read the identity provider's discovery document for ${settings.issuer} (${detail(oidc, err)}). Check GANTRY_OIDC_ISSUER and that Gantry can reach it.`,
        { status: 502, cause: err },
      );
    }
  }

  function configuration(): Promise<OidcLib.Configuration> {
    discovered ??= discover().catch((err: unknown) => {
      discovered = undefined;
      throw err;
    });
    return discovered;
  }

  async function userinfo(config: OidcLib.Configuration, accessToken: string | undefined, subject: string): Promise<Claims> {
    const oidc = await load();
    if (accessToken === undefined || config.serverMetadata().userinfo_endpoint === undefined) return {};
    try {
      return await oidc.fetchUserInfo(config, accessToken, subject);
    } catch {
      // The ID token is already verified; userinfo only completes optional claims (a user without groups gets no roles).
      return {};
    }
  }

  return {
    async authorizationUrl({ redirectUri, state, nonce, codeVerifier }) {
      const config = await configuration();
      const oidc = await load();
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes.join(' '),
        state,
        nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    async exchange(callbackUrl, checks) {
      const config = await configuration();
      const oidc = await load();
      let tokens: Awaited<ReturnType<Oidc['authorizationCodeGrant']>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
        });
      } catch (err) {
        throw ssoFailure(detail(oidc, err), err);
      }
      const idClaims = tokens.claims();
      if (idClaims === undefined) throw ssoFailure('the identity provider returned no ID token (is the openid scope allowed?)');
      // Many providers put profile and group claims only in userinfo when an access token is issued.
      const extra = missingClaims(idClaims, settings.groupsClaim) ? await userinfo(config, tokens.access_token, idClaims.sub) : {};
      return identityFromClaims({ ...extra, ...idClaims }, settings.groupsClaim);
    },
  };
}
