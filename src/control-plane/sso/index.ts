export { createOidcRoutes, type OidcRoutesDeps } from './oidc-routes.js';
export { readOidcSettings } from './settings.js';
export type { IssueSession, OidcSettings, SsoIdentity, SsoRequestMeta, SsoSession } from './types.js';
