import { GatewayError } from '../../kernel/errors/index.js';
import type { AuditDraft, ResourcePut, StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { API_VERSION } from '../resources/common.js';
import type { SecretSpec } from '../resources/kinds/secret.js';
import { invalidResources } from '../resources/problems.js';
import { type RenderedResource, renderResource } from '../resources/render.js';
import type { ApplyService } from './apply.js';
import { auditDenied, auditDraft, type CallMeta, type SecretCrypto, type ServiceDeps } from './deps.js';
import { loadForChange, rewrite, rewriteOf } from './mutate.js';
import { DEFAULT_ROTATION_GRACE_SECONDS, nextSecretState, type SecretColumn } from './prepare-secret.js';

export interface CreateSecretInput {
  readonly name: string;
  readonly value: string;
  readonly description?: string;
  readonly rotationGraceSeconds?: number;
}

export interface RewrapResult {
  /** Id of the master key every data key is now wrapped with. */
  readonly kid: string;
  readonly rewrapped: string[];
  readonly unchanged: number;
  /** Secrets this process cannot open (their master key is neither the current nor the previous one). */
  readonly failed: { name: string; message: string }[];
}

function cryptoOf(deps: ServiceDeps): SecretCrypto {
  if (!deps.secrets) throw new GatewayError('GW_SECRET_UNAVAILABLE', 'This server has no master key, so it cannot store or re-wrap Secrets (docs/secrets.md).');
  return deps.secrets;
}

/** A Secret as the API answers: metadata and version history, never the value or ciphertext. */
const metadataOf = (r: StoredResource): RenderedResource => renderResource(r);

/** Secret verbs beyond apply: create from a value, rotate to a new value, re-wrap under a new master key. */
export function createSecretService(deps: ServiceDeps, apply: ApplyService) {
  return {
    async create(actor: Actor, input: CreateSecretInput, meta: CallMeta): Promise<RenderedResource> {
      const spec: SecretSpec = {
        value: input.value,
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.rotationGraceSeconds !== undefined ? { rotationGraceSeconds: input.rotationGraceSeconds } : {}),
      };
      const { valid, problems } = deps.validate([{ apiVersion: API_VERSION, kind: 'Secret', metadata: { name: input.name }, spec }]);
      if (problems.length > 0) throw invalidResources('The Secret', problems.map((p) => ({ ...p, document: 'request' })));
      if (await deps.store.get('Secret', input.name)) {
        throw new GatewayError('GW_RESOURCE_CONFLICT', `Secret "${input.name}" already exists; rotate it to give it a new value (gantry secrets rotate).`);
      }
      await apply.applyDocs(actor, valid, { dryRun: false, action: 'secrets.create' }, meta);
      const stored = await deps.store.get('Secret', input.name);
      if (!stored) throw new GatewayError('GW_INTERNAL', 'The Secret was not created.');
      return metadataOf(stored);
    },

    /** A new version now; the previous one stays valid for `graceSeconds` (the Secret's rotationGraceSeconds by default). */
    async rotate(actor: Actor, name: string, value: string, graceSeconds: number | undefined, meta: CallMeta): Promise<RenderedResource & { rotated: boolean }> {
      const existing = await loadForChange(deps, actor, 'Secret', name, 'update', 'secrets.rotate', meta);
      const spec = existing.spec as SecretSpec;
      const next = nextSecretState(cryptoOf(deps), {
        name,
        value,
        actor,
        now: deps.clock.now(),
        graceSeconds: graceSeconds ?? spec.rotationGraceSeconds ?? DEFAULT_ROTATION_GRACE_SECONDS,
        existing,
      });
      if (!next.rotated) return { ...metadataOf(existing), rotated: false };
      const written = await rewrite(deps, actor, existing, { spec: existing.spec, status: next.status, secret: next.secret }, 'secrets.rotate', meta);
      return { ...metadataOf(written), rotated: true };
    },

    /**
     * Re-wraps every version's data key under the current master key (after setting a new
     * GANTRY_MASTER_KEY with the old one as GANTRY_MASTER_KEY_PREVIOUS). Values are not re-encrypted
     * and never decrypted; the audit entries name the key ids only.
     */
    async rewrap(actor: Actor, meta: CallMeta): Promise<RewrapResult> {
      if (!canAccess(actor, 'update', { kind: 'Secret', name: '*', team: undefined, spec: undefined })) {
        await auditDenied(deps, actor, meta, { action: 'secrets.rewrap', kind: 'Secret' });
        throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not re-wrap Secrets (platform admins only).`);
      }
      const crypto = cryptoOf(deps);
      const writes: ResourcePut[] = [];
      const audit: AuditDraft[] = [];
      const rewrapped: string[] = [];
      const failed: RewrapResult['failed'] = [];
      let unchanged = 0;
      let after: string | undefined;
      do {
        const page = await deps.store.list('Secret', { limit: 500, after });
        for (const r of page.items) {
          const column = r.secret as SecretColumn | undefined;
          if (!column || column.versions.every((v) => v.envelope.kid === crypto.kid)) {
            unchanged++;
            continue;
          }
          try {
            const versions = column.versions.map((v) => ({ ...v, envelope: crypto.rewrap(r.name, v.version, v.envelope) }));
            const before = [...new Set(column.versions.map((v) => v.envelope.kid))].sort();
            writes.push(rewriteOf(r, { spec: r.spec, status: r.status, secret: { ...column, kid: crypto.kid, versions } }, actor));
            audit.push(
              auditDraft(deps, actor, meta, {
                action: 'secrets.rewrap',
                outcome: 'updated',
                kind: 'Secret',
                name: r.name,
                diff: [{ path: 'masterKeyId', op: 'replace', before: before.join(','), after: crypto.kid }],
              }),
            );
            rewrapped.push(r.name);
          } catch (err) {
            failed.push({ name: r.name, message: err instanceof Error ? err.message : String(err) });
          }
        }
        after = page.next;
      } while (after !== undefined);
      if (writes.length > 0) {
        await deps.store.commit(writes, audit);
        await deps.refresh();
      }
      return { kid: crypto.kid, rewrapped, unchanged, failed };
    },
  };
}

export type SecretService = ReturnType<typeof createSecretService>;
