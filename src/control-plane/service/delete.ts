import { GatewayError } from '../../kernel/errors/index.js';
import type { Actor } from '../rbac/roles.js';
import { KINDS, type Kind } from '../resources/registry.js';
import { auditDraft, type CallMeta, type ServiceDeps } from './deps.js';
import { loadForChange } from './mutate.js';

const MAX_LISTED = 5;

/** Deletes one resource unless others still reference it (then 409 naming them). */
export function createDelete(deps: ServiceDeps) {
  return async function deleteResource(actor: Actor, kind: Kind, name: string, meta: CallMeta): Promise<{ kind: Kind; name: string; deleted: true }> {
    const existing = await loadForChange(deps, actor, kind, name, 'delete', 'delete', meta);
    await deps.refresh();
    const referrers: string[] = [];
    for (const def of Object.values(KINDS)) {
      for (const r of deps.cached(def.kind)) {
        if (def.references(r.spec).some((ref) => (ref.kind === kind && ref.name === name) || (ref.orKind === kind && (ref.orName ?? ref.name) === name))) referrers.push(`${def.kind} "${r.name}"`);
        if (referrers.length > MAX_LISTED) break;
      }
    }
    if (referrers.length > 0) {
      const more = referrers.length > MAX_LISTED ? ' and more' : '';
      throw new GatewayError('GW_RESOURCE_IN_USE', `${kind} "${name}" is still referenced by ${referrers.slice(0, MAX_LISTED).join(', ')}${more}; delete or change those first.`);
    }
    const before = { labels: existing.labels, spec: existing.spec, status: existing.status };
    await deps.store.commit(
      [{ op: 'delete', kind, name, expectedGeneration: existing.generation, actor: actor.id }],
      [auditDraft(deps, actor, meta, { action: 'delete', outcome: 'deleted', kind, name, team: existing.team, before, after: undefined, diff: undefined })],
      // Checked again inside the commit: another process may have added a key or agent to the team meanwhile.
      kind === 'Team' ? { teamsUnused: [name] } : {},
    );
    await deps.refresh();
    return { kind, name, deleted: true };
  };
}
