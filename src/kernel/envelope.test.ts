import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEnvelopeCipher, type Envelope, keyId, secretAad } from './envelope.js';
import { GatewayError } from './errors/index.js';

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);
const VALUE = 'sk-live-envelope-test-0123456789';

function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a throw');
}

/** Flips one bit of a base64 field. */
function flip(e: Envelope, field: 'ciphertext' | 'tag' | 'wrappedKey' | 'iv'): Envelope {
  const bytes = Buffer.from(e[field], 'base64');
  bytes[0] = (bytes[0] as number) ^ 1;
  return { ...e, [field]: bytes.toString('base64') };
}

describe('envelope encryption', () => {
  const cipher = createEnvelopeCipher({ current: KEY_A });
  const aad = secretAad('openai-prod', 1);

  it('round-trips a value and stores neither the value nor the keys', () => {
    const e = cipher.seal(VALUE, aad);
    expect(cipher.open(e, aad)).toBe(VALUE);
    const stored = JSON.stringify(e);
    expect(stored).not.toContain(VALUE);
    expect(stored).not.toContain(KEY_A.toString('base64'));
    expect(stored).not.toContain(KEY_A.toString('hex'));
    expect(e.kid).toBe(keyId(KEY_A));
    // A fresh data key and IV per seal: the same value never gives the same ciphertext.
    const again = cipher.seal(VALUE, aad);
    expect(again.ciphertext).not.toBe(e.ciphertext);
    expect(again.wrappedKey).not.toBe(e.wrappedKey);
  });

  it('round-trips unicode and long values', () => {
    const long = `ключ-${'x'.repeat(60_000)}-🔑`;
    expect(cipher.open(cipher.seal(long, aad), aad)).toBe(long);
  });

  it('detects tampering with the ciphertext, its tag, its IV or the wrapped data key', () => {
    const e = cipher.seal(VALUE, aad);
    for (const field of ['ciphertext', 'tag', 'iv', 'wrappedKey'] as const) {
      const err = thrown(() => cipher.open(flip(e, field), aad));
      expect(err.code).toBe('GW_SECRET_UNAVAILABLE');
      expect(err.message).toMatch(/failed authentication/);
    }
    expect(thrown(() => cipher.open({ ...e, v: 2 }, aad)).message).toMatch(/malformed/);
    expect(thrown(() => cipher.open(undefined, aad)).message).toMatch(/malformed/);
  });

  it('refuses a truncated GCM tag (a 4-byte prefix would verify, leaving 32-bit authentication)', () => {
    const e = cipher.seal(VALUE, aad);
    const cut = (b64: string, n: number) => Buffer.from(b64, 'base64').subarray(0, n).toString('base64');
    for (const n of [4, 12]) {
      expect(thrown(() => cipher.open({ ...e, tag: cut(e.tag, n) }, aad)).message).toMatch(/failed authentication/);
      expect(thrown(() => cipher.open({ ...e, wrapTag: cut(e.wrapTag, n) }, aad)).message).toMatch(/failed authentication/);
    }
  });

  it('binds the ciphertext to its Secret name and version (AAD)', () => {
    const e = cipher.seal(VALUE, aad);
    expect(thrown(() => cipher.open(e, secretAad('openai-dev', 1))).message).toMatch(/copied from another Secret or version/);
    expect(thrown(() => cipher.open(e, secretAad('openai-prod', 2))).code).toBe('GW_SECRET_UNAVAILABLE');
  });

  it('names the key ids (never the keys) when the master key is not the one it was written with', () => {
    const e = cipher.seal(VALUE, aad);
    const other = createEnvelopeCipher({ current: KEY_B });
    const err = thrown(() => other.open(e, aad));
    expect(err.code).toBe('GW_SECRET_UNAVAILABLE');
    expect(err.message).toContain(keyId(KEY_A));
    expect(err.message).toContain(keyId(KEY_B));
    expect(err.message).toContain('GANTRY_MASTER_KEY');
    expect(err.message).not.toContain(VALUE);
    expect(err.message).not.toContain(KEY_B.toString('base64'));
  });

  it('opens with the previous key during a rotation and re-wraps under the current one', () => {
    const old = cipher.seal(VALUE, aad);
    const rotating = createEnvelopeCipher({ current: KEY_B, previous: KEY_A });
    expect(rotating.kids).toEqual([keyId(KEY_B), keyId(KEY_A)]);
    expect(rotating.open(old, aad)).toBe(VALUE);
    const rewrapped = rotating.rewrap(old, aad);
    expect(rewrapped.kid).toBe(keyId(KEY_B));
    // The value's own ciphertext is untouched: only the data key moved to the new master key.
    expect(rewrapped.ciphertext).toBe(old.ciphertext);
    expect(rotating.rewrap(rewrapped, aad)).toBe(rewrapped);
    // After the rotation the old key can go.
    expect(createEnvelopeCipher({ current: KEY_B }).open(rewrapped, aad)).toBe(VALUE);
    expect(thrown(() => createEnvelopeCipher({ current: KEY_A }).open(rewrapped, aad)).code).toBe('GW_SECRET_UNAVAILABLE');
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => createEnvelopeCipher({ current: randomBytes(16) })).toThrow(/32 bytes/);
  });
});
