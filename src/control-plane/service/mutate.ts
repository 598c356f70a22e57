import { GatewayError } from '../../kernel/errors/index.js';
import type { ResourcePut, StoredResource } from '../../storage/ports/resource-store.js';
import { canAccess, type Verb } from '../rbac/authorize.js';
import type { Actor } from '../rbac/roles.js';
import { diffValues } from '../resources/diff.js';
import type { Kind } from '../resources/registry.js';
import { auditDenied, auditDraft, type CallMeta, type ServiceDeps } from './deps.js';

/** Reads a resource for a change, or 404; checks the actor may apply `verb` to it (403, audited). */
export async function loadForChange(deps: ServiceDeps, actor: Actor, kind: Kind, name: string, verb: Verb, action: string, meta: CallMeta): Promise<StoredResource> {
  const existing = await deps.store.get(kind, name);
  if (!existing) throw new GatewayError('GW_RESOURCE_NOT_FOUND', `${kind} "${name}" does not exist.`);
  if (!canAccess(actor, verb, { kind, name, team: existing.team, spec: existing.spec })) {
    await auditDenied(deps, actor, meta, { action, kind, name, team: existing.team });
    throw new GatewayError('GW_FORBIDDEN', `Forbidden: ${actor.id} may not ${action} ${kind} "${name}".`);
  }
  return existing;
}

/** The write of an existing resource with a new spec/status/secret; its labels, team and owner are kept. */
export function rewriteOf(existing: StoredResource, next: { spec: unknown; status: unknown; secret: unknown }, actor: Actor): ResourcePut {
  return {
    op: 'put',
    kind: existing.kind,
    name: existing.name,
    team: existing.team,
    owner: existing.owner,
    labels: existing.labels,
    spec: next.spec,
    status: next.status,
    secret: next.secret,
    expectedGeneration: existing.generation,
    actor: actor.id,
  };
}

/** Writes a new spec/status/secret for one existing resource with its audit entry, then refreshes. */
export async function rewrite(
  deps: ServiceDeps,
  actor: Actor,
  existing: StoredResource,
  next: { spec: unknown; status: unknown; secret: unknown },
  action: string,
  meta: CallMeta,
): Promise<StoredResource> {
  const before = { labels: existing.labels, spec: existing.spec, status: existing.status };
  const after = { labels: existing.labels, spec: next.spec, status: next.status };
  const { written } = await deps.store.commit(
    [rewriteOf(existing, next, actor)],
    [auditDraft(deps, actor, meta, { action, outcome: 'updated', kind: existing.kind, name: existing.name, team: existing.team, before, after, diff: diffValues(before, after) })],
  );
  await deps.refresh();
  return written[0] as StoredResource;
}
