import { GatewayError, isGatewayError } from '../../kernel/errors/index.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { SecretColumn, StoredSecretVersion } from '../service/prepare-secret.js';
import type { ResolvedSecret, SecretResolver } from './types.js';

export interface SecretResolverDeps {
  /** The resource cache (the snapshot compiler's source). */
  readonly source: { get(kind: string, name: string): StoredResource | undefined };
  /** SecretCrypto.decrypt: throws GatewayError GW_SECRET_UNAVAILABLE. */
  readonly decrypt: (name: string, version: number, envelope: unknown) => string;
  readonly now: () => number;
}

/** A decrypted version, remembered with what identifies its ciphertext (a re-created Secret reuses version numbers). */
interface CachedValue {
  readonly uid: string;
  readonly iv: string;
  readonly value: string;
}

/**
 * Decrypts Secrets from the resource cache for the snapshot compiler. Plaintext is cached per
 * (name, version) for the life of the process (compiles run on every change; decrypting again each
 * time is needless work); entries of versions no longer stored are dropped at the next resolve.
 */
export function createSecretResolver(deps: SecretResolverDeps): SecretResolver {
  const cache = new Map<string, Map<number, CachedValue>>();

  function open(r: StoredResource, v: StoredSecretVersion): string {
    const known = cache.get(r.name)?.get(v.version);
    if (known && known.uid === r.uid && known.iv === v.envelope?.iv) return known.value;
    const value = deps.decrypt(r.name, v.version, v.envelope);
    let versions = cache.get(r.name);
    if (!versions) {
      versions = new Map();
      cache.set(r.name, versions);
    }
    versions.set(v.version, { uid: r.uid, iv: v.envelope.iv, value });
    return value;
  }

  return {
    resolve(name: string): ResolvedSecret | undefined {
      const r = deps.source.get('Secret', name);
      const column = r?.secret as SecretColumn | undefined;
      if (!r || !column) {
        cache.delete(name);
        return undefined;
      }
      const [current, ...older] = column.versions;
      if (!current) {
        throw new GatewayError('GW_SECRET_UNAVAILABLE', `Secret "${name}" has no stored version; give it a value (gantry secrets rotate ${name}).`);
      }
      const stored = new Set(column.versions.map((v) => v.version));
      for (const version of cache.get(name)?.keys() ?? []) if (!stored.has(version)) cache.get(name)?.delete(version);
      let value: string;
      try {
        value = open(r, current);
      } catch (err) {
        const reason = isGatewayError(err) ? err.message : 'it could not be decrypted.';
        throw new GatewayError('GW_SECRET_UNAVAILABLE', `Secret "${name}" (version ${current.version}) cannot be decrypted. ${reason}`, { cause: err });
      }
      const now = deps.now();
      // The newest superseded version still in its grace window; one that cannot be opened is left out.
      const previous = older.find((v) => v.validUntil !== undefined && v.validUntil > now);
      if (previous?.validUntil !== undefined) {
        try {
          return { value, version: current.version, previous: { value: open(r, previous), version: previous.version, validUntil: previous.validUntil } };
        } catch {
          // fall through: the current version serves
        }
      }
      return { value, version: current.version };
    },
  };
}
