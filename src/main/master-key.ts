import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretCrypto } from '../control-plane/service/deps.js';
import { createEnvelopeCipher, MASTER_KEY_BYTES, secretAad } from '../kernel/envelope.js';
import { secretFile } from './bootstrap.js';

/** The master key Secrets are encrypted with, and where it came from (docs/secrets.md). */
export interface MasterKeys {
  readonly current: Buffer;
  /** GANTRY_MASTER_KEY_PREVIOUS: still opens Secrets written under it, until `gantry secrets rewrap`. */
  readonly previous: Buffer | undefined;
  /** `env`: GANTRY_MASTER_KEY; `file`: GANTRY_MASTER_KEY_FILE; `data-dir`: `<dataDir>/master-key`. */
  readonly source: 'env' | 'file' | 'data-dir';
  /** The file it was read from (`file`, `data-dir`). */
  readonly path: string | undefined;
  /** True when this start generated the data directory's key file. */
  readonly created: boolean;
}

const HEX = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * A key as 64 hex characters or base64 (standard or URL-safe) of exactly 32 bytes. The error names
 * where the key came from, never its value.
 */
export function parseMasterKey(raw: string, where: string): Buffer {
  const text = raw.trim();
  const key = HEX.test(text) ? Buffer.from(text, 'hex') : BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (key?.length === MASTER_KEY_BYTES) return key;
  const what = key ? `decodes to ${key.length} bytes` : 'is neither hex nor base64';
  throw new Error(
    `${where} must be a ${MASTER_KEY_BYTES}-byte key written as 64 hex characters or as base64 (e.g. the output of "openssl rand -base64 32"); the value given ${what}.`,
  );
}

function readKeyFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`${variable} names ${path}, which cannot be read (${code}).`);
  }
}

/**
 * GANTRY_MASTER_KEY, else the file GANTRY_MASTER_KEY_FILE names, else `<dataDir>/master-key`
 * (created with mode 0600 at the first start). GANTRY_MASTER_KEY_PREVIOUS is the key being rotated
 * away from. A malformed key stops the start with a message naming the variable.
 */
export function loadMasterKeys(env: NodeJS.ProcessEnv, dataDir: string): MasterKeys {
  const previousRaw = env.GANTRY_MASTER_KEY_PREVIOUS;
  const previous = previousRaw ? parseMasterKey(previousRaw, 'GANTRY_MASTER_KEY_PREVIOUS') : undefined;
  const done = (current: Buffer, source: MasterKeys['source'], path: string | undefined, created = false): MasterKeys => ({
    current,
    previous: previous && !previous.equals(current) ? previous : undefined,
    source,
    path,
    created,
  });
  if (env.GANTRY_MASTER_KEY && env.GANTRY_MASTER_KEY_FILE) {
    throw new Error('GANTRY_MASTER_KEY and GANTRY_MASTER_KEY_FILE are both set: set only one of them.');
  }
  if (env.GANTRY_MASTER_KEY) return done(parseMasterKey(env.GANTRY_MASTER_KEY, 'GANTRY_MASTER_KEY'), 'env', undefined);
  const file = env.GANTRY_MASTER_KEY_FILE;
  if (file) return done(parseMasterKey(readKeyFile(file, 'GANTRY_MASTER_KEY_FILE'), `GANTRY_MASTER_KEY_FILE (${file})`), 'file', file);
  const path = join(dataDir, 'master-key');
  const { value, created } = secretFile(path, () => randomBytes(MASTER_KEY_BYTES).toString('base64'));
  return done(parseMasterKey(value, `The master key file ${path}`), 'data-dir', path, created);
}

/** Replicas sharing a database must share the master key: a key only in one host's data directory is a mistake there. */
export function sharedKeyWarning(keys: MasterKeys, databaseUrl: string | undefined): string | undefined {
  if (!databaseUrl || keys.source !== 'data-dir') return undefined;
  return `GANTRY_DATABASE_URL is set but the master key comes from this host's data directory (${keys.path}): every replica must use the same master key, or Secrets written by one cannot be decrypted by the others. Set GANTRY_MASTER_KEY or GANTRY_MASTER_KEY_FILE on every replica (the same key; see docs/secrets.md).`;
}

/** The Secret encryption the control plane uses: envelopes under the master key, fingerprints under the key-hash secret. */
export function createSecretCrypto(keys: Pick<MasterKeys, 'current' | 'previous'>, hashSecret: (text: string) => string): SecretCrypto {
  const cipher = createEnvelopeCipher({ current: keys.current, previous: keys.previous });
  return {
    kid: cipher.kid,
    encrypt: (name, version, value) => cipher.seal(value, secretAad(name, version)),
    decrypt: (name, version, envelope) => cipher.open(envelope, secretAad(name, version)),
    rewrap: (name, version, envelope) => cipher.rewrap(envelope, secretAad(name, version)),
    // Domain-separated from API key hashes (same HMAC key): a fingerprint never equals a stored key hash.
    fingerprint: (name, value) => hashSecret(`gantry/secret-fingerprint\u0000${name}\u0000${value}`),
  };
}
