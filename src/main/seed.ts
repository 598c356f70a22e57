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
 * Makes the demo key the ApiKey "demo" of team "default". A revoked demo key stays revoked; a deleted
 * one is created again at the next start (revoke it to turn it off for good).
 */
export async function ensureDemoKey(demoKey: string, apply: ApplyService, deps: ServiceDeps): Promise<void> {
  const system = systemActor('system:bootstrap');
  const hash = deps.hashSecret(demoKey);
  await withRetry(async () => {
    if (!(await deps.store.get('Team', 'default'))) {
      await apply.applyText(system, 'apiVersion: gantry/v1alpha1\nkind: Team\nmetadata: {name: default}\nspec: {displayName: Default team}\n', { dryRun: false }, META);
    }
    const existing = await deps.store.get('ApiKey', 'demo');
    if (existing && (existing.status as ApiKeyStatus | undefined)?.revokedAt) return;
    if (existing && (existing.secret as ApiKeySecret | undefined)?.hashes[0]?.hash === hash) return;
    const spec = existing?.spec ?? { team: 'default', description: 'Demo key created at first start (.gantry/demo-key)' };
    const status: ApiKeyStatus = { displayPrefix: keyDisplayPrefix(demoKey) };
    const secret: ApiKeySecret = { hashes: [{ hash }] };
    await deps.store.commit(
      [{ op: 'put', kind: 'ApiKey', name: 'demo', team: 'default', labels: existing?.labels ?? {}, spec, status, secret, expectedGeneration: existing?.generation ?? 0, actor: system.id }],
      [auditDraft(deps, system, META, { action: 'keys.bootstrap', outcome: existing ? 'updated' : 'created', kind: 'ApiKey', name: 'demo', team: 'default', after: { spec, status } })],
    );
    await deps.refresh();
  });
}
