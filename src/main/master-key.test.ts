import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKeyHasher } from '../kernel/api-keys.js';
import { keyId } from '../kernel/envelope.js';
import { createSecretCrypto, loadMasterKeys, parseMasterKey, sharedKeyWarning } from './master-key.js';

const dir = () => mkdtempSync(join(tmpdir(), 'gantry-master-key-'));
const KEY = randomBytes(32);

describe('master key', () => {
  it('reads GANTRY_MASTER_KEY as base64 (standard or URL-safe) or as 64 hex characters', () => {
    expect(loadMasterKeys({ GANTRY_MASTER_KEY: KEY.toString('base64') }, dir()).current.equals(KEY)).toBe(true);
    expect(loadMasterKeys({ GANTRY_MASTER_KEY: KEY.toString('base64url') }, dir()).current.equals(KEY)).toBe(true);
    const fromHex = loadMasterKeys({ GANTRY_MASTER_KEY: ` ${KEY.toString('hex')}\n` }, dir());
    expect(fromHex.current.equals(KEY)).toBe(true);
    expect(fromHex.source).toBe('env');
  });

  it('stops the start naming the variable, never echoing the value, when the key is not 32 bytes', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadMasterKeys({ GANTRY_MASTER_KEY: short }, dir())).toThrow(/GANTRY_MASTER_KEY must be a 32-byte key.*decodes to 16 bytes/);
    const message = (() => {
      try {
        loadMasterKeys({ GANTRY_MASTER_KEY: 'not a key!' }, dir());
        return 'no error';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(message).toMatch(/GANTRY_MASTER_KEY .*neither hex nor base64/);
    expect(message).not.toContain('not a key!');
    expect(() => loadMasterKeys({ GANTRY_MASTER_KEY_PREVIOUS: 'abc' }, dir())).toThrow(/GANTRY_MASTER_KEY_PREVIOUS/);
    expect(() => loadMasterKeys({ GANTRY_MASTER_KEY: KEY.toString('hex'), GANTRY_MASTER_KEY_FILE: '/x' }, dir())).toThrow(/only one/);
  });

  it('reads GANTRY_MASTER_KEY_FILE, and names it when it is missing or malformed', () => {
    const d = dir();
    const path = join(d, 'mk');
    writeFileSync(path, `${KEY.toString('base64')}\n`);
    const keys = loadMasterKeys({ GANTRY_MASTER_KEY_FILE: path }, d);
    expect(keys.current.equals(KEY)).toBe(true);
    expect(keys.source).toBe('file');
    expect(() => loadMasterKeys({ GANTRY_MASTER_KEY_FILE: join(d, 'missing') }, d)).toThrow(/GANTRY_MASTER_KEY_FILE names .*missing, which cannot be read \(ENOENT\)/);
    writeFileSync(path, 'short');
    expect(() => loadMasterKeys({ GANTRY_MASTER_KEY_FILE: path }, d)).toThrow(/GANTRY_MASTER_KEY_FILE \(.*mk\) must be a 32-byte key/);
  });

  it('creates <dataDir>/master-key (mode 0600) at the first start and reuses it after', () => {
    const d = dir();
    const first = loadMasterKeys({}, d);
    expect(first.created).toBe(true);
    expect(first.source).toBe('data-dir');
    expect(statSync(join(d, 'master-key')).mode & 0o777).toBe(0o600);
    expect(parseMasterKey(readFileSync(join(d, 'master-key'), 'utf8'), 'x').equals(first.current)).toBe(true);
    const second = loadMasterKeys({}, d);
    expect(second.created).toBe(false);
    expect(second.current.equals(first.current)).toBe(true);
  });

  it('warns when replicas share a database but the key is this host\'s file', () => {
    const local = loadMasterKeys({}, dir());
    expect(sharedKeyWarning(local, 'postgres://db/x')).toMatch(/every replica must use the same master key/);
    expect(sharedKeyWarning(local, undefined)).toBeUndefined();
    expect(sharedKeyWarning(loadMasterKeys({ GANTRY_MASTER_KEY: KEY.toString('hex') }, dir()), 'postgres://db/x')).toBeUndefined();
  });

  it('accepts GANTRY_MASTER_KEY_PREVIOUS for decryption while the current key encrypts', () => {
    const old = randomBytes(32);
    const hash = createKeyHasher('k');
    const before = createSecretCrypto({ current: old, previous: undefined }, hash);
    const envelope = before.encrypt('openai', 1, 'sk-value');
    const keys = loadMasterKeys({ GANTRY_MASTER_KEY: KEY.toString('hex'), GANTRY_MASTER_KEY_PREVIOUS: old.toString('base64') }, dir());
    const after = createSecretCrypto(keys, hash);
    expect(after.kid).toBe(keyId(KEY));
    expect(after.decrypt('openai', 1, envelope)).toBe('sk-value');
    expect(after.rewrap('openai', 1, envelope).kid).toBe(keyId(KEY));
    expect(after.encrypt('openai', 2, 'sk-new').kid).toBe(keyId(KEY));
    // Fingerprints tell values apart per Secret, and do not reveal them.
    expect(after.fingerprint('openai', 'sk-value')).toBe(before.fingerprint('openai', 'sk-value'));
    expect(after.fingerprint('openai', 'sk-value')).not.toBe(after.fingerprint('openai', 'sk-other'));
    expect(after.fingerprint('openai', 'sk-value')).not.toContain('sk-value');
  });
});
