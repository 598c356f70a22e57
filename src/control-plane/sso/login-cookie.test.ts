import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LOGIN_COOKIE, assertCookieKey, openLoginState, readCookie, sealLoginState } from './login-cookie.js';

const STATE = { state: 'st-123', nonce: 'no-456', codeVerifier: 'cv-789', expiresAt: 1_700_000_600_000 };

describe('login cookie', () => {
  const key = randomBytes(32);

  it('round-trips and does not show the state in clear', () => {
    const sealed = sealLoginState(key, STATE);
    expect(sealed).toMatch(/^[\w-]+$/);
    for (const secret of ['st-123', 'no-456', 'cv-789']) expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(secret);
    expect(openLoginState(key, sealed)).toEqual(STATE);
  });

  it('rejects a value sealed under another key, tampered with, or garbage', () => {
    const sealed = sealLoginState(key, STATE);
    expect(openLoginState(randomBytes(32), sealed)).toBeUndefined();
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(openLoginState(key, raw.toString('base64url'))).toBeUndefined();
    expect(openLoginState(key, 'abc')).toBeUndefined();
  });

  it('needs a 32-byte key', () => {
    expect(() => assertCookieKey(randomBytes(16))).toThrow(/32 bytes/);
  });

  it('reads one cookie from a Cookie header', () => {
    expect(readCookie(`a=1; ${LOGIN_COOKIE}=xyz; b=2`, LOGIN_COOKIE)).toBe('xyz');
    expect(readCookie('a=1', LOGIN_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, LOGIN_COOKIE)).toBeUndefined();
  });
});
