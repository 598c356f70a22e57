import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys look like `gk_` + 43 base64url characters (256 bits of randomness). */
export const API_KEY_PREFIX = 'gk_';
const API_KEY_SHAPE = /^gk_[A-Za-z0-9_-]{20,128}$/;

export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function looksLikeApiKey(value: string): boolean {
  return API_KEY_SHAPE.test(value);
}

/** Short, non-secret handle shown in listings ("gk_AbC1…"), never enough to use the key. */
export function keyDisplayPrefix(key: string): string {
  return `${key.slice(0, 7)}…`;
}

/**
 * Keys are stored only as a keyed hash (HMAC-SHA256 with a server secret), so a leaked database
 * cannot be brute-forced offline without that secret too.
 */
export function createKeyHasher(secret: string | Buffer): (key: string) => string {
  return (key) => createHmac('sha256', secret).update(key).digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
