import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyHasher, generateApiKey, looksLikeApiKey } from '../kernel/api-keys.js';
import type { Settings } from './settings.js';

export interface Bootstrap {
  readonly adminToken: string;
  readonly demoKey: string;
  readonly hashKey: (key: string) => string;
  /** The server secret keys and tokens are hashed with. */
  readonly keyHashSecret: string;
  /** True when this start created the token / key (they are printed once, then only their file). */
  readonly createdAdminToken: boolean;
  readonly createdDemoKey: boolean;
}

/** Reads a secret file, or creates it with mode 0600 (0600 also enforced on an existing file). */
export function secretFile(path: string, make: () => string): { value: string; created: boolean } {
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    return { value: readFileSync(path, 'utf8').trim(), created: false };
  }
  const value = make();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return { value, created: true };
}

/**
 * First-start set-up of the data directory: the key-hash secret, the admin token and the demo key.
 * Environment variables take precedence for scripted set-ups. (The demo key becomes the ApiKey
 * "demo" of team "default" in main/seed.ts.)
 */
export function bootstrap(settings: Settings): Bootstrap {
  mkdirSync(settings.dataDir, { recursive: true, mode: 0o700 });
  const secret = settings.keyHashSecret ?? secretFile(join(settings.dataDir, 'key-hash-secret'), () => randomBytes(32).toString('base64url')).value;
  const hashKey = createKeyHasher(secret);

  const admin = settings.adminToken
    ? { value: settings.adminToken, created: false }
    : secretFile(join(settings.dataDir, 'admin-token'), () => `gat_${randomBytes(32).toString('base64url')}`);
  const demo = settings.demoKey
    ? { value: settings.demoKey, created: false }
    : secretFile(join(settings.dataDir, 'demo-key'), generateApiKey);
  if (!looksLikeApiKey(demo.value)) {
    throw new Error('GANTRY_DEMO_KEY (or .gantry/demo-key) must look like gk_ followed by at least 20 letters, digits, _ or -');
  }
  return { adminToken: admin.value, demoKey: demo.value, hashKey, keyHashSecret: secret, createdAdminToken: admin.created, createdDemoKey: demo.created };
}
