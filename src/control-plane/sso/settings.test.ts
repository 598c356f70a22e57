import { describe, expect, it } from 'vitest';
import { readOidcSettings } from './settings.js';

const BASE = { GANTRY_OIDC_ISSUER: 'https://login.example.com/realms/acme', GANTRY_OIDC_CLIENT_ID: 'gantry' };

describe('readOidcSettings', () => {
  it('is off without an issuer', () => {
    expect(readOidcSettings({})).toBeUndefined();
  });

  it('applies the documented defaults', () => {
    expect(readOidcSettings(BASE)).toEqual({
      issuer: 'https://login.example.com/realms/acme',
      clientId: 'gantry',
      clientSecret: undefined,
      scopes: ['openid', 'email', 'profile', 'groups'],
      groupsClaim: 'groups',
      publicUrl: undefined,
      allowHttp: false,
    });
  });

  it('reads every variable', () => {
    const s = readOidcSettings({
      ...BASE,
      GANTRY_OIDC_ISSUER: 'https://tenant.auth0.com/',
      GANTRY_OIDC_CLIENT_SECRET: 's3cret',
      GANTRY_OIDC_SCOPES: 'openid, email  roles',
      GANTRY_OIDC_GROUPS_CLAIM: 'realm_access.roles',
      GANTRY_PUBLIC_URL: 'https://gantry.example.com/',
    });
    // The issuer keeps its trailing slash: it must equal the provider's `iss` exactly.
    expect(s).toMatchObject({
      issuer: 'https://tenant.auth0.com/',
      clientSecret: 's3cret',
      scopes: ['openid', 'email', 'roles'],
      groupsClaim: 'realm_access.roles',
      publicUrl: 'https://gantry.example.com',
    });
  });

  it('refuses a plain-http issuer unless GANTRY_OIDC_ALLOW_HTTP=1', () => {
    const env = { ...BASE, GANTRY_OIDC_ISSUER: 'http://127.0.0.1:9000' };
    expect(() => readOidcSettings(env)).toThrow(/GANTRY_OIDC_ISSUER must use https.*GANTRY_OIDC_ALLOW_HTTP=1/);
    expect(readOidcSettings({ ...env, GANTRY_OIDC_ALLOW_HTTP: '1' })?.allowHttp).toBe(true);
    expect(() => readOidcSettings({ ...env, GANTRY_OIDC_ALLOW_HTTP: 'yes' })).toThrow(/GANTRY_OIDC_ALLOW_HTTP must be 1 or 0/);
  });

  it('names the variable of every bad value', () => {
    expect(() => readOidcSettings({ GANTRY_OIDC_ISSUER: 'https://login.example.com' })).toThrow(/GANTRY_OIDC_CLIENT_ID is required/);
    expect(() => readOidcSettings({ ...BASE, GANTRY_OIDC_ISSUER: 'login.example.com' })).toThrow(/GANTRY_OIDC_ISSUER must be an absolute URL/);
    expect(() => readOidcSettings({ ...BASE, GANTRY_OIDC_SCOPES: 'email profile' })).toThrow(/GANTRY_OIDC_SCOPES must include openid/);
    expect(() => readOidcSettings({ ...BASE, GANTRY_PUBLIC_URL: 'ftp://x' })).toThrow(/GANTRY_PUBLIC_URL must use https/);
    expect(() => readOidcSettings({ GANTRY_OIDC_CLIENT_ID: 'gantry' })).toThrow(/GANTRY_OIDC_CLIENT_ID set without GANTRY_OIDC_ISSUER/);
  });
});
