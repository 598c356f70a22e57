import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { systemClock } from '../../src/kernel/clock.js';
import { createKeyHasher } from '../../src/kernel/api-keys.js';
import { createIdGenerator } from '../../src/kernel/ids.js';
import { type ControlPlaneDeps, createControlPlane } from '../../src/main/control-plane.js';
import { createSecretCrypto } from '../../src/main/master-key.js';
import { createProviderRegistry } from '../../src/main/providers.js';
import { createMemoryLedgerStore } from '../../src/storage/memory/ledger-store.js';
import { createMemoryResourceStore } from '../../src/storage/memory/resource-store.js';
import { telemetryChannels } from '../../src/telemetry/channels.js';
import type { LedgerStore } from '../../src/storage/ports/ledger-store.js';
import type { ResourceStore } from '../../src/storage/ports/resource-store.js';

export const TEST_ADMIN_TOKEN = 'gat_test_admin_token_0123456789';
/** The master key Secrets are encrypted with in these tests. */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7);

export interface InProcessControlPlane {
  readonly url: string;
  readonly store: ResourceStore;
  readonly control: ReturnType<typeof createControlPlane>;
  /** Calls the admin API with a token (undefined: no Authorization header). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert them
  call(method: string, path: string, token: string | undefined, body?: unknown, contentType?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The real control plane (router, services, snapshot) over a given store, on a real HTTP port. */
export async function startControlPlane(
  store: ResourceStore = createMemoryResourceStore(),
  ledger: LedgerStore = createMemoryLedgerStore(),
  /** Deps a test sets itself (e.g. deploymentHealth). */
  overrides: Partial<ControlPlaneDeps> = {},
): Promise<InProcessControlPlane> {
  const logger = pino({ level: 'silent' });
  const providers = createProviderRegistry({}, logger);
  const secret = 'test-key-hash-secret';
  const control = createControlPlane({
    store,
    ledger,
    clock: systemClock,
    newId: createIdGenerator(),
    logger,
    hashSecret: createKeyHasher(secret),
    keyHashSecret: secret,
    adminToken: TEST_ADMIN_TOKEN,
    env: {},
    providerFor: providers.providerFor,
    secretCrypto: createSecretCrypto({ current: TEST_MASTER_KEY, previous: undefined }, createKeyHasher(secret)),
    onProvidersCompiled: providers.sweep,
    flushUsage: async () => {},
    pollMs: 50,
    publicUrl: () => 'http://127.0.0.1',
    version: 'test',
    channels: telemetryChannels(),
    ...overrides,
  });
  await control.sync.start();
  const server: Server = createServer((req, res) => control.router.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    store,
    control,
    async call(method, path, token, body, contentType) {
      const headers: Record<string, string> = {};
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body);
        headers['content-type'] = contentType ?? (typeof body === 'string' ? 'application/yaml' : 'application/json');
      }
      const res = await fetch(`${url}/admin/v1${path}`, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, body: parsed };
    },
    async close() {
      await control.sync.stop();
      await new Promise<void>((r) => server.close(() => r()));
      await providers.closeAll();
    },
  };
}
