import type { OidcSettings } from './types.js';

const DEFAULT_SCOPES = ['openid', 'email', 'profile', 'groups'];
const OIDC_VARS = ['GANTRY_OIDC_CLIENT_ID', 'GANTRY_OIDC_CLIENT_SECRET', 'GANTRY_OIDC_SCOPES', 'GANTRY_OIDC_GROUPS_CLAIM'];

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function readFlag(env: Env, name: string): boolean {
  const raw = value(env, name)?.toLowerCase();
  if (raw === undefined || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Error(`${name} must be 1 or 0 (got "${env[name]}").`);
}

function readUrl(env: Env, name: string, allowHttp: boolean): string {
  const raw = value(env, name) ?? '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an absolute URL such as https://login.example.com (got "${raw}").`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowHttp)) {
    const hint = name === 'GANTRY_OIDC_ISSUER' ? ' (set GANTRY_OIDC_ALLOW_HTTP=1 only for local development)' : '';
    throw new Error(`${name} must use https${hint} (got "${raw}").`);
  }
  if (url.search || url.hash) throw new Error(`${name} must not have a query or fragment (got "${raw}").`);
  // Kept as written: the issuer must match the provider's `iss` exactly (Auth0's ends with a slash).
  return raw;
}

/**
 * OIDC settings from the environment, or undefined when SSO is off (no GANTRY_OIDC_ISSUER).
 * Throws on values that would only fail later, at the first login.
 */
export function readOidcSettings(env: Env): OidcSettings | undefined {
  if (value(env, 'GANTRY_OIDC_ISSUER') === undefined) {
    const stray = OIDC_VARS.filter((name) => value(env, name) !== undefined);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} set without GANTRY_OIDC_ISSUER: set the issuer to enable single sign-on.`);
    return undefined;
  }
  const allowHttp = readFlag(env, 'GANTRY_OIDC_ALLOW_HTTP');
  const issuer = readUrl(env, 'GANTRY_OIDC_ISSUER', allowHttp);
  const clientId = value(env, 'GANTRY_OIDC_CLIENT_ID');
  if (clientId === undefined) throw new Error('GANTRY_OIDC_CLIENT_ID is required with GANTRY_OIDC_ISSUER: the client id registered at your identity provider.');
  const scopesRaw = value(env, 'GANTRY_OIDC_SCOPES');
  const scopes = scopesRaw === undefined ? DEFAULT_SCOPES : [...new Set(scopesRaw.split(/[\s,]+/).filter(Boolean))];
  if (!scopes.includes('openid')) throw new Error(`GANTRY_OIDC_SCOPES must include openid (got "${scopesRaw}").`);
  const groupsClaim = value(env, 'GANTRY_OIDC_GROUPS_CLAIM') ?? 'groups';
  // The public URL is where browsers reach Gantry; plain http is fine (e.g. behind a TLS proxy on loopback).
  const publicUrl = value(env, 'GANTRY_PUBLIC_URL') === undefined ? undefined : readUrl(env, 'GANTRY_PUBLIC_URL', true).replace(/\/+$/, '');
  return { issuer, clientId, clientSecret: value(env, 'GANTRY_OIDC_CLIENT_SECRET'), scopes, groupsClaim, publicUrl, allowHttp };
}
