import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { createEnvelopeCipher, secretAad } from '../../kernel/envelope.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { Actor } from '../rbac/roles.js';
import type { SecretCrypto } from '../service/deps.js';
import { nextSecretState } from '../service/prepare-secret.js';
import { createSecretResolver } from './resolver.js';

const actor: Actor = { id: 'admin-token', user: undefined, platformRoles: new Set(['platform-admin']), teamRoles: new Map() };

function cryptoWith(key: Buffer): SecretCrypto & { decrypts: number } {
  const cipher = createEnvelopeCipher({ current: key });
  const hash = createKeyHasher('k');
  const c = {
    decrypts: 0,
    kid: cipher.kid,
    encrypt: (name: string, version: number, value: string) => cipher.seal(value, secretAad(name, version)),
    decrypt: (name: string, version: number, envelope: unknown) => {
      c.decrypts++;
      return cipher.open(envelope, secretAad(name, version));
    },
    rewrap: (name: string, version: number, envelope: unknown) => cipher.rewrap(envelope, secretAad(name, version)),
    fingerprint: (name: string, value: string) => hash(`${name}\u0000${value}`),
  };
  return c;
}

function row(name: string, state: { status: unknown; secret: unknown }, uid = `uid-${name}`): StoredResource {
  return {
    kind: 'Secret', name, uid, team: undefined, owner: undefined, labels: {}, spec: {}, status: state.status, secret: state.secret,
    generation: 1, revision: 1, createdAt: 0, updatedAt: 0, createdBy: 't', updatedBy: 't', deleted: false, lastUsedAt: undefined,
  };
}

function setup(key = randomBytes(32)) {
  const crypto = cryptoWith(key);
  const rows = new Map<string, StoredResource>();
  let now = 1_000_000;
  const write = (name: string, value: string, graceSeconds = 60, uid?: string) => {
    const next = nextSecretState(crypto, { name, value, actor, now, graceSeconds, existing: rows.get(name) });
    rows.set(name, row(name, next, uid ?? rows.get(name)?.uid));
  };
  const resolver = createSecretResolver({ source: { get: (_k, name) => rows.get(name) }, decrypt: crypto.decrypt, now: () => now });
  return { crypto, rows, write, resolver, tick: (ms: number) => (now += ms) };
}

describe('SecretResolver', () => {
  it('decrypts the current version, once per version (compiles reuse the plaintext)', () => {
    const { crypto, write, resolver } = setup();
    write('openai', 'sk-one');
    expect(resolver.resolve('openai')).toEqual({ value: 'sk-one', version: 1 });
    expect(resolver.resolve('openai')).toEqual({ value: 'sk-one', version: 1 });
    expect(crypto.decrypts).toBe(1);
    expect(resolver.resolve('missing')).toBeUndefined();
  });

  it('exposes the previous version while its grace window lasts, then only the current one', () => {
    const { write, resolver, tick } = setup();
    write('openai', 'sk-one');
    write('openai', 'sk-two', 60);
    expect(resolver.resolve('openai')).toEqual({ value: 'sk-two', version: 2, previous: { value: 'sk-one', version: 1, validUntil: 1_000_000 + 60_000 } });
    tick(60_000);
    expect(resolver.resolve('openai')).toEqual({ value: 'sk-two', version: 2 });
  });

  it('does not serve a cached value for a re-created Secret that reuses the version number', () => {
    const { rows, write, resolver } = setup();
    write('db', 'old-value');
    expect(resolver.resolve('db')?.value).toBe('old-value');
    rows.delete('db');
    expect(resolver.resolve('db')).toBeUndefined();
    write('db', 'new-value', 60, 'uid-db-2');
    expect(resolver.resolve('db')).toEqual({ value: 'new-value', version: 1 });
  });

  it('throws GW_SECRET_UNAVAILABLE naming the Secret (never a value) when the master key is not the one it was written with', () => {
    const { rows } = setup();
    const writer = setup();
    writer.write('openai', 'sk-secret-value');
    rows.set('openai', writer.rows.get('openai') as StoredResource);
    const reader = createSecretResolver({ source: { get: (_k, n) => rows.get(n) }, decrypt: cryptoWith(randomBytes(32)).decrypt, now: () => 0 });
    let err: unknown;
    try {
      reader.resolve('openai');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('GW_SECRET_UNAVAILABLE');
    expect((err as GatewayError).message).toMatch(/^Secret "openai" \(version 1\) cannot be decrypted\. It was encrypted with master key id [0-9a-f]{16}/);
    expect((err as GatewayError).message).not.toContain('sk-secret-value');
  });
});
