import { keyDisplayPrefix } from '../../kernel/api-keys.js';
import { isoTime } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors/index.js';
import type { Actor } from '../rbac/roles.js';
import { API_VERSION } from '../resources/common.js';
import type { ApiKeySecret, ApiKeySpec, ApiKeyStatus } from '../resources/kinds/api-key.js';
import { renderResource, type RenderedResource } from '../resources/render.js';
import { invalidResources } from '../resources/problems.js';
import type { ApplyService } from './apply.js';
import type { CallMeta, ServiceDeps } from './deps.js';
import { loadForChange, rewrite } from './mutate.js';

export interface CreateKeyInput extends Partial<ApiKeySpec> {
  readonly name?: string;
  readonly labels?: Record<string, string>;
}

export const DEFAULT_GRACE_SECONDS = 3_600;
export const MAX_GRACE_SECONDS = 30 * 24 * 3_600;

/** API key lifecycle: create (secret shown once), rotate with a grace window, revoke. */
export function createKeyService(deps: ServiceDeps, apply: ApplyService) {
  return {
    async create(actor: Actor, input: CreateKeyInput, meta: CallMeta) {
      const { name: given, labels, ...spec } = input;
      const name = given ?? `${spec.team ?? 'key'}-${deps.newId('', 8)}`;
      const doc = { apiVersion: API_VERSION, kind: 'ApiKey', metadata: { name, ...(labels ? { labels } : {}) }, spec };
      const { valid, problems } = deps.validate([doc]);
      if (problems.length > 0) throw invalidResources('The key', problems.map((p) => ({ ...p, document: 'request' })));
      if (await deps.store.get('ApiKey', name)) throw new GatewayError('GW_RESOURCE_CONFLICT', `ApiKey "${name}" already exists; choose another --name, or rotate it.`);
      const result = await apply.applyDocs(actor, valid, { dryRun: false, action: 'keys.create' }, meta);
      const secret = result.secrets[0];
      const stored = await deps.store.get('ApiKey', name);
      if (!secret || !stored) throw new GatewayError('GW_INTERNAL', 'The key was not created.');
      const s = stored.spec as ApiKeySpec;
      return {
        key: secret.key,
        name,
        team: s.team,
        agent: s.agent ?? null,
        user: s.user ?? null,
        displayPrefix: keyDisplayPrefix(secret.key),
        expiresAt: s.expiresAt ?? null,
        resource: renderResource(stored),
      };
    },

    async rotate(actor: Actor, name: string, graceSeconds: number, meta: CallMeta) {
      const existing = await loadForChange(deps, actor, 'ApiKey', name, 'update', 'keys.rotate', meta);
      const status = existing.status as ApiKeyStatus;
      if (status.revokedAt) throw new GatewayError('GW_RESOURCE_CONFLICT', `ApiKey "${name}" is revoked; create a new key instead.`);
      const now = deps.clock.now();
      const key = deps.generateApiKey();
      const current = (existing.secret as ApiKeySecret).hashes[0];
      const validUntil = now + graceSeconds * 1000;
      // Only the current secret gets a grace window; older rotated secrets end now.
      const secret: ApiKeySecret = { hashes: [{ hash: deps.hashSecret(key) }, ...(current && graceSeconds > 0 ? [{ hash: current.hash, notAfter: validUntil }] : [])] };
      const nextStatus: ApiKeyStatus = { ...status, displayPrefix: keyDisplayPrefix(key), rotatedAt: isoTime(now), previousValidUntil: isoTime(validUntil) };
      await rewrite(deps, actor, existing, { spec: existing.spec, status: nextStatus, secret }, 'keys.rotate', meta);
      return { key, name, displayPrefix: nextStatus.displayPrefix, previousKeyValidUntil: isoTime(validUntil) };
    },

    async revoke(actor: Actor, name: string, meta: CallMeta): Promise<RenderedResource> {
      const existing = await loadForChange(deps, actor, 'ApiKey', name, 'update', 'keys.revoke', meta);
      const status = existing.status as ApiKeyStatus;
      if (status.revokedAt) return renderResource(existing);
      const nextStatus: ApiKeyStatus = { ...status, revokedAt: isoTime(deps.clock.now()) };
      const written = await rewrite(deps, actor, existing, { spec: existing.spec, status: nextStatus, secret: { hashes: [] } }, 'keys.revoke', meta);
      return renderResource(written);
    },
  };
}
