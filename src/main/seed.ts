import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyDisplayPrefix } from '../kernel/api-keys.js';
import { GatewayError, isGatewayError } from '../kernel/errors/index.js';
import { BUILTIN_CONFIG_YAML } from '../control-plane/config/builtin.js';
import { systemActor } from '../control-plane/rbac/roles.js';
import type { ApiKeySecret, ApiKeyStatus } from '../control-plane/resources/kinds/api-key.js';
import type { ApplyService } from '../control-plane/service/apply.js';
import type { ServiceDeps } from '../control-plane/service/deps.js';
import { auditDraft } from '../control-plane/service/deps.js';
import type { Settings } from './settings.js';

const META = { requestId: 'startup', sourceIp: undefined };

/** Retries a start-up write that lost a race with another process starting at the same time. */
async function withRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 5 || !isGatewayError(err) || err.code !== 'GW_RESOURCE_CONFLICT') throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt));
    }
  }
}

/**
 * Applies gantry.yaml at start (create-or-update; removing a document from the file does not delete
 * the resource: use `gantry delete`). Without a file, the built-in simulator resources are applied
 * once, into an empty store. Returns where the configuration came from.
 */
export async function applyStartupConfig(settings: Settings, apply: ApplyService, deps: ServiceDeps): Promise<{ source: string; keyFiles: string[] }> {
  if (existsSync(settings.configPath)) {
    const text = readFileSync(settings.configPath, 'utf8');
    const result = await withRetry(() => apply.applyText(systemActor('system:gantry.yaml'), text, { dryRun: false, source: settings.configPath, seed: true }, META)).catch(
      (err: unknown) => {
        if (isGatewayError(err) && err.code === 'GW_RESOURCE_INVALID') throw new GatewayError('GW_CONFIG_INVALID', err.message.replace(/\nNothing was applied\.$/, ''));
        throw err;
      },
    );
    return { source: settings.configPath, keyFiles: saveGeneratedKeys(settings.dataDir, result.secrets) };
  }
  if (settings.configExplicit) throw new Error(`GANTRY_CONFIG names ${settings.configPath}, which does not exist.`);
  if ((await deps.store.count('Provider')) === 0) {
    await withRetry(() => apply.applyText(systemActor('system:builtin'), BUILTIN_CONFIG_YAML, { dryRun: false }, META));
  }
  return { source: 'built-in simulator configuration (no gantry.yaml found)', keyFiles: [] };
}

/**
 * An ApiKey created from gantry.yaml has nobody to show its secret to: it goes to an owner-only file
 * in the data directory (never to a log). Read it, store it in your secret manager, delete the file.
 */
function saveGeneratedKeys(dataDir: string, secrets: readonly { name: string; key: string }[]): string[] {
  if (secrets.length === 0) return [];
  const dir = join(dataDir, 'generated-keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return secrets.map((s) => {
    const path = join(dir, `${s.name}.key`);
    writeFileSync(path, `${s.key}\n`, { mode: 0o600 });
    return path;
  });
}

/**
 * Creates the demo key as the ApiKey "demo" of team "default", once. An existing demo key is never
 * "repaired": a rotation or revocation made through the API stands, and replicas with different
 * demo-key files do not fight over it. (A deleted demo key is created again at the next start:
 * revoke it to turn it off for good.) Returns a warning when the file's key is not the stored one.
 */
export async function ensureDemoKey(demoKey: string, apply: ApplyService, deps: ServiceDeps): Promise<string | undefined> {
  const system = systemActor('system:bootstrap');
  const hash = deps.hashSecret(demoKey);
  return withRetry(async () => {
    if (!(await deps.store.get('Team', 'default'))) {
      await apply.applyText(system, 'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: default}\nspec: {displayName: Default team}\n', { dryRun: false }, META);
    }
    const existing = await deps.store.get('ApiKey', 'demo');
    if (existing) {
      const hashes = (existing.secret as ApiKeySecret | undefined)?.hashes ?? [];
      return hashes.some((h) => h.hash === hash) ? undefined : 'the demo key in GANTRY_DEMO_KEY / .gantry/demo-key is not the stored ApiKey "demo" (rotated or revoked through the API?); it will not work';
    }
    const spec = { team: 'default', description: 'Demo key created at first start (.gantry/demo-key)' };
    const status: ApiKeyStatus = { displayPrefix: keyDisplayPrefix(demoKey) };
    const secret: ApiKeySecret = { hashes: [{ hash }] };
    await deps.store.commit(
      [{ op: 'put', kind: 'ApiKey', name: 'demo', team: 'default', labels: {}, spec, status, secret, expectedGeneration: 0, actor: system.id }],
      [auditDraft(deps, system, META, { action: 'keys.bootstrap', outcome: 'created', kind: 'ApiKey', name: 'demo', team: 'default', after: { spec, status } })],
    );
    await deps.refresh();
    return undefined;
  });
}
