import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What the browser flow must remember between /login and /callback. */
export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Epoch ms after which the callback is refused. */
  readonly expiresAt: number;
}

export const LOGIN_COOKIE = 'gantry_oidc_login';
export const LOGIN_COOKIE_TTL_SECONDS = 600;
const COOKIE_PATH = '/admin/v1/auth/oidc';
// Binds the ciphertext to this purpose, so another AES-GCM value under the same key cannot pass for it.
const AAD = Buffer.from('gantry/oidc-login/v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function assertCookieKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`The SSO cookie key must be 32 bytes (AES-256-GCM), got ${key.length}.`);
}

/** AES-256-GCM: iv | tag | ciphertext, base64url. Nothing is kept server-side, so any replica can finish the login. */
export function sealLoginState(key: Buffer, state: LoginState): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The state, or undefined when the value was tampered with, sealed under another key or is malformed. */
export function openLoginState(key: Buffer, sealed: string): LoginState | undefined {
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    const parsed: unknown = JSON.parse(text);
    return isLoginState(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isLoginState(v: unknown): v is LoginState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.state === 'string' && typeof o.nonce === 'string' && typeof o.codeVerifier === 'string' && typeof o.expiresAt === 'number';
}

/** HttpOnly + SameSite=Lax: sent on the identity provider's top-level redirect back, not on cross-site subrequests. */
export function loginCookieHeader(value: string, secure: boolean): string {
  return `${LOGIN_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${LOGIN_COOKIE_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearLoginCookieHeader(secure: boolean): string {
  return `${LOGIN_COOKIE}=; Path=${COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** One cookie's value from a Cookie header; browsers send the most specific path first, so the first wins. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
