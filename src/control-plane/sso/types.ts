/** OIDC single sign-on settings, read from the environment by `readOidcSettings` (docs/sso.md). */
export interface OidcSettings {
  /** Issuer identifier; discovery reads `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Set for a confidential client; absent means a public client (PKCE only). */
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  /** Claim holding the user's groups; a dotted path (`realm_access.roles`) reaches into objects. */
  readonly groupsClaim: string;
  /** External base URL of Gantry (no trailing slash), for the browser flow's redirect_uri. */
  readonly publicUrl: string | undefined;
  /** Allow a plain-http issuer (tests and local development only). */
  readonly allowHttp: boolean;
}

/** Who the identity provider says logged in; mapped to a Gantry user by `issueSession`. */
export interface SsoIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | undefined;
  readonly name: string | undefined;
  readonly groups: string[];
}

/** A user token issued after a successful SSO login (shown once). */
export interface SsoSession {
  readonly token: string;
  readonly expiresAt: string;
  readonly user: string;
}

export interface SsoRequestMeta {
  readonly requestId: string;
  readonly sourceIp: string | undefined;
}

/** Provisions or updates the user from the identity (groups → teams/roles) and issues a user token. */
export type IssueSession = (identity: SsoIdentity, meta: SsoRequestMeta) => Promise<SsoSession>;
