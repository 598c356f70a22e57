import { looksLikeApiKey } from '../../kernel/api-keys.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { RequestContext } from '../context.js';

export interface AuthenticateDeps {
  /** Keyed hash of a presented key (the same function that hashed stored keys). */
  readonly hashKey: (key: string) => string;
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

/** Resolves the caller from the snapshot's key table: one HMAC and one Map lookup, no I/O. */
export function createAuthenticate({ hashKey }: AuthenticateDeps) {
  return function authenticate(ctx: RequestContext): void {
    const key = presentedKey(ctx.headers);
    if (key === undefined || key.length === 0) {
      const hasAuth = ctx.headers.authorization !== undefined;
      throw new GatewayError(
        hasAuth ? 'GW_AUTH_KEY_INVALID' : 'GW_AUTH_KEY_MISSING',
        hasAuth ? 'The Authorization header must be "Bearer <key>".' : undefined,
      );
    }
    const principal = looksLikeApiKey(key) ? ctx.snapshot.keys.get(hashKey(key)) : undefined;
    if (!principal) throw new GatewayError('GW_AUTH_KEY_INVALID');
    ctx.principal = principal;
  };
}
