import type { CompiledGrant } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { GrantSpec, GrantStatus } from '../resources/kinds/grant.js';
import { grantResource } from '../service/prepare-grant.js';

/** Read access to the resources to compile (the resource cache). */
interface Source {
  all(kind: string): Iterable<StoredResource>;
}

function compileGrant(r: StoredResource): CompiledGrant | undefined {
  const spec = r.spec as GrantSpec;
  const status = r.status as GrantStatus | undefined;
  if (status?.state !== 'approved' || status.approvedAt === undefined) return undefined;
  const from = Date.parse(status.approvedAt);
  const until = Date.parse(spec.expiresAt);
  const resource = grantResource(spec);
  if (!Number.isFinite(from) || !Number.isFinite(until) || until <= from || resource === undefined) return undefined;
  return { name: r.name, team: spec.principal.team, agent: spec.principal.agent, user: spec.principal.user, apiKey: spec.principal.apiKey, action: spec.action, resource, from, until };
}

/**
 * Approved grants → the snapshot's CompiledGrant list {from: approvedAt, until: expiresAt}, sorted by
 * name; recompiled only when a Grant changed. Pending, revoked and expired ones are left out. One
 * approved but already past its expiresAt (the expiry sweep has not marked it yet) may still be in
 * the list: harmless, the data plane compares its own clock with `until` on every check, which is
 * also why a grant ends on time without a recompile.
 */
export function createGrantsCompiler() {
  let grants: readonly CompiledGrant[] = Object.freeze([]);
  let compiled = false;
  return function compileGrants(resources: Source, changed: readonly StoredResource[]): readonly CompiledGrant[] {
    if (compiled && !changed.some((r) => r.kind === 'Grant')) return grants;
    compiled = true;
    const out: CompiledGrant[] = [];
    for (const r of resources.all('Grant')) {
      const g = compileGrant(r);
      if (g) out.push(g);
    }
    grants = Object.freeze(out.sort((a, b) => (a.name < b.name ? -1 : 1)));
    return grants;
  };
}
