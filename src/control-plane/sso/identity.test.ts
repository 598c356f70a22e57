import { describe, expect, it } from 'vitest';
import { renderTokenPage } from './callback-page.js';
import { identityFromClaims, missingClaims } from './identity.js';

const BASE = { iss: 'https://idp.example.com', sub: 'u-1', email: 'a@example.com', name: 'A' };

describe('identityFromClaims', () => {
  it('reads the groups claim by name, or by a dotted path into an object', () => {
    expect(identityFromClaims({ ...BASE, groups: ['x', 'y', 'x', ''] }, 'groups').groups).toEqual(['x', 'y']);
    expect(identityFromClaims({ ...BASE, realm_access: { roles: ['admin'] } }, 'realm_access.roles').groups).toEqual(['admin']);
    expect(identityFromClaims({ ...BASE, 'https://acme/groups': 'solo' }, 'https://acme/groups').groups).toEqual(['solo']);
    expect(identityFromClaims(BASE, 'groups').groups).toEqual([]);
  });

  it('keeps only an email the provider marks verified (absent or false: dropped)', () => {
    expect(identityFromClaims({ ...BASE, email_verified: false }, 'groups').email).toBeUndefined();
    expect(identityFromClaims(BASE, 'groups').email).toBeUndefined();
    expect(identityFromClaims({ ...BASE, email_verified: true }, 'groups').email).toBe('a@example.com');
  });

  it('refuses claims without iss or sub', () => {
    expect(() => identityFromClaims({ sub: 'u-1' }, 'groups')).toThrow(/without iss or sub/);
  });

  it('asks for userinfo only when a claim is missing', () => {
    expect(missingClaims({ ...BASE, groups: [] }, 'groups')).toBe(false);
    expect(missingClaims(BASE, 'groups')).toBe(true);
  });
});

describe('renderTokenPage', () => {
  it('escapes what it shows', () => {
    const html = renderTokenPage({ token: 'gut_abc', expiresAt: '2030-01-01T00:00:00Z', user: '<script>x</script>' }, 'https://g.example.com');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('gantry login --token gut_abc --server https://g.example.com');
  });
});
