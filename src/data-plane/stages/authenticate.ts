import { looksLikeApiKey } from '../../kernel/api-keys.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Clock } from '../../kernel/clock.js';
import type { RequestContext } from '../context.js';

export interface AuthenticateDeps {
  /** Keyed hash of a presented key (the same function that hashed stored keys). */
  readonly hashKey: (key: string) => string;
  readonly clock: Clock;
}

/** Reads the key from `Authorization: Bearer` or `x-api-key` (Anthropic SDKs use the latter). */
export function presentedKey(headers: RequestContext['headers']): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined) {
    if (auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
    return undefined;
  }
  const xKey = headers['x-api-key'];
  return typeof xKey === 'string' ? xKey.trim() : undefined;
}

const HASH_CACHE_MAX = 10_000;

/**
 * Resolves the caller from the snapshot's key table: one Map lookup, no I/O. The keyed hash of a key
 * that resolved is remembered (bounded), since creating an HMAC costs more than the rest of
 * authentication; unknown keys are never cached, so invalid keys cannot grow the cache.
 */
export function createAuthenticate({ hashKey, clock }: AuthenticateDeps) {
  const hashes = new Map<string, string>();
  const hashOf = (key: string): string => {
    const known = hashes.get(key);
    if (known !== undefined) return known;
    return hashKey(key);
  };
  return function authenticate(ctx: RequestContext): void {
    const key = presentedKey(ctx.headers);
    if (key === undefined || key.length === 0) {
      const hasAuth = ctx.headers.authorization !== undefined;
      throw new GatewayError(
        hasAuth ? 'GW_AUTH_KEY_INVALID' : 'GW_AUTH_KEY_MISSING',
        hasAuth ? 'The Authorization header must be "Bearer <key>".' : undefined,
      );
    }
    if (!looksLikeApiKey(key)) throw new GatewayError('GW_AUTH_KEY_INVALID');
    const hash = hashOf(key);
    // The snapshot decides validity on every request: a revoked key fails even when its hash is cached.
    const principal = ctx.snapshot.keys.get(hash);
    if (!principal) throw new GatewayError('GW_AUTH_KEY_INVALID');
    if (principal.notAfter !== undefined && clock.now() >= principal.notAfter) throw new GatewayError('GW_KEY_EXPIRED');
    if (hashes.size < HASH_CACHE_MAX) hashes.set(key, hash);
    ctx.principal = principal;
  };
}
