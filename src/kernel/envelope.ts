import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { GatewayError } from './errors/index.js';

/**
 * Envelope encryption (AES-256-GCM, node:crypto). Each value gets its own random 32-byte data key
 * (DEK); the DEK is stored wrapped (encrypted) by the 32-byte master key. Rotating the master key
 * then means re-wrapping small DEKs, never re-encrypting values, and a leaked database without the
 * master key reveals nothing. Both layers authenticate `aad` (which Secret and version), so a
 * ciphertext copied to another Secret or version fails to open instead of serving the wrong value.
 */
export interface Envelope {
  /** Format version. */
  readonly v: 1;
  /** Id of the master key that wrapped the DEK (keyId): tells a wrong key from tampering. Never the key. */
  readonly kid: string;
  /** The DEK encrypted by the master key, with its IV and GCM tag (base64). */
  readonly wrappedKey: string;
  readonly wrapIv: string;
  readonly wrapTag: string;
  /** The value encrypted by the DEK, with its IV and GCM tag (base64). */
  readonly ciphertext: string;
  readonly iv: string;
  readonly tag: string;
}

export const MASTER_KEY_BYTES = 32;
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
/** GCM's full tag. Fixed on decryption: otherwise node accepts a stored tag cut to 4 bytes (a 2^-32 forgery). */
const TAG_BYTES = 16;

/** A short, non-secret id of a master key (HMAC of a label under the key): safe to store and log. */
export function keyId(masterKey: Buffer): string {
  return createHmac('sha256', masterKey).update('gantry master key id v1').digest('hex').slice(0, 16);
}

/** The additional authenticated data of a Secret version. */
export function secretAad(name: string, version: number): string {
  return `gantry/secret\u0000${name}\u0000${version}`;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): { ct: Buffer; iv: Buffer; tag: Buffer } {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ct, iv, tag: cipher.getAuthTag() };
}

/** Throws when authentication fails (wrong key, altered bytes, other AAD). */
function decrypt(key: Buffer, ct: Buffer, iv: Buffer, tag: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}

const b64 = (b: Buffer) => b.toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64');
const dekAad = (aad: string) => `${aad}\u0000dek`;
const valueAad = (aad: string) => `${aad}\u0000value`;

function isEnvelope(e: unknown): e is Envelope {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return r.v === 1 && ['kid', 'wrappedKey', 'wrapIv', 'wrapTag', 'ciphertext', 'iv', 'tag'].every((k) => typeof r[k] === 'string');
}

export interface EnvelopeKeys {
  /** Encrypts (and re-wraps) with this key. */
  readonly current: Buffer;
  /** Still accepted for decryption (during a master key rotation, until `rewrap`). */
  readonly previous?: Buffer | undefined;
}

export interface EnvelopeCipher {
  /** The id of the current master key. */
  readonly kid: string;
  /** Ids of every key this cipher opens envelopes with (current first). */
  readonly kids: readonly string[];
  seal(plaintext: string, aad: string): Envelope;
  /** Throws GatewayError GW_SECRET_UNAVAILABLE with the reason (never the value). */
  open(envelope: unknown, aad: string): string;
  /** The same value with its DEK wrapped by the current key (the value itself is not decrypted). */
  rewrap(envelope: unknown, aad: string): Envelope;
}

function checkKey(key: Buffer, what: string): void {
  if (key.length !== MASTER_KEY_BYTES) throw new Error(`${what} must be ${MASTER_KEY_BYTES} bytes, not ${key.length}.`);
}

export function createEnvelopeCipher(keys: EnvelopeKeys): EnvelopeCipher {
  checkKey(keys.current, 'The master key');
  if (keys.previous) checkKey(keys.previous, 'The previous master key');
  const kid = keyId(keys.current);
  const byKid = new Map<string, Buffer>([[kid, keys.current]]);
  if (keys.previous && !byKid.has(keyId(keys.previous))) byKid.set(keyId(keys.previous), keys.previous);
  const kids = [...byKid.keys()];

  function unavailable(reason: string): GatewayError {
    return new GatewayError('GW_SECRET_UNAVAILABLE', reason);
  }

  function unwrap(envelope: unknown, aad: string): { dek: Buffer; e: Envelope } {
    if (!isEnvelope(envelope)) throw unavailable('The stored ciphertext is malformed (not an envelope this version of Gantry writes).');
    const master = byKid.get(envelope.kid);
    if (!master) {
      throw unavailable(
        `It was encrypted with master key id ${envelope.kid}, but this process has ${kids.join(' and ')}. Set GANTRY_MASTER_KEY (or GANTRY_MASTER_KEY_FILE) to the key it was written with (during a master key rotation: GANTRY_MASTER_KEY_PREVIOUS).`,
      );
    }
    try {
      return { dek: decrypt(master, unb64(envelope.wrappedKey), unb64(envelope.wrapIv), unb64(envelope.wrapTag), dekAad(aad)), e: envelope };
    } catch {
      throw unavailable('Its data key failed authentication: the stored ciphertext was altered, or copied from another Secret or version.');
    }
  }

  return {
    kid,
    kids,
    seal(plaintext, aad) {
      const dek = randomBytes(32);
      try {
        const value = encrypt(dek, Buffer.from(plaintext, 'utf8'), valueAad(aad));
        const wrap = encrypt(keys.current, dek, dekAad(aad));
        return { v: 1, kid, wrappedKey: b64(wrap.ct), wrapIv: b64(wrap.iv), wrapTag: b64(wrap.tag), ciphertext: b64(value.ct), iv: b64(value.iv), tag: b64(value.tag) };
      } finally {
        dek.fill(0);
      }
    },
    open(envelope, aad) {
      const { dek, e } = unwrap(envelope, aad);
      try {
        return decrypt(dek, unb64(e.ciphertext), unb64(e.iv), unb64(e.tag), valueAad(aad)).toString('utf8');
      } catch {
        throw unavailable('Its value failed authentication: the stored ciphertext was altered, or copied from another Secret or version.');
      } finally {
        dek.fill(0);
      }
    },
    rewrap(envelope, aad) {
      const { dek, e } = unwrap(envelope, aad);
      if (e.kid === kid) {
        dek.fill(0);
        return e;
      }
      try {
        const wrap = encrypt(keys.current, dek, dekAad(aad));
        return { ...e, kid, wrappedKey: b64(wrap.ct), wrapIv: b64(wrap.iv), wrapTag: b64(wrap.tag) };
      } finally {
        dek.fill(0);
      }
    },
  };
}
