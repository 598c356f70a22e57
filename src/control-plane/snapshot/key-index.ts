import type { Principal } from '../../kernel/types.js';
import type { CompiledAgent, KeyLookup } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { ApiKeySecret, ApiKeySpec, ApiKeyStatus } from '../resources/kinds/api-key.js';

/** Above this many pending changes the overlay is folded into a new base map. */
const COMPACT_AT = 2_048;

/** A lookup over an immutable base map and a small overlay of changes (null: removed). */
function layered(base: ReadonlyMap<string, Principal>, overlay: ReadonlyMap<string, Principal | null>, size: number): KeyLookup {
  return {
    get(hash) {
      const o = overlay.get(hash);
      return o === undefined ? base.get(hash) : (o ?? undefined);
    },
    *entries() {
      for (const [h, p] of overlay) if (p) yield [h, p];
      for (const [h, p] of base) if (!overlay.has(h)) yield [h, p];
    },
    size,
  };
}

function intersect(a: readonly string[] | undefined, b: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (!a) return b;
  if (!b) return new Set(a);
  return new Set(a.filter((m) => b.has(m)));
}

/** What a key's validity depends on besides itself. */
export interface KeyContext {
  readonly agents: ReadonlyMap<string, CompiledAgent>;
  /** Users whose keys work (exist, not disabled) → the teams they belong to. */
  readonly activeUsers: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The credentials of one key, or none when it is revoked, its agent does not serve or its user is disabled. */
export function keyEntries(r: StoredResource, context: KeyContext): [string, Principal][] {
  const spec = r.spec as ApiKeySpec;
  if ((r.status as ApiKeyStatus | undefined)?.revokedAt) return [];
  const agent = spec.agent ? context.agents.get(spec.agent) : undefined;
  if (spec.agent && !agent?.serving) return [];
  // A person's key stops when they are disabled or leave the key's team.
  if (spec.user && !context.activeUsers.get(spec.user)?.has(spec.team)) return [];
  const expiresAt = spec.expiresAt ? Date.parse(spec.expiresAt) : undefined;
  const models = intersect(spec.models, agent?.models);
  const base = {
    keyId: r.uid,
    keyName: r.name,
    team: spec.team,
    ...(spec.user ? { user: spec.user } : {}),
    ...(spec.agent ? { agent: spec.agent } : {}),
    ...(models ? { models } : {}),
    ...(spec.agents ? { agents: new Set(spec.agents) } : {}),
  };
  const hashes = (r.secret as ApiKeySecret | undefined)?.hashes ?? [];
  return hashes.map((h) => {
    const limits = [expiresAt, h.notAfter].filter((x): x is number => x !== undefined);
    const principal: Principal = Object.freeze(limits.length > 0 ? { ...base, notAfter: Math.min(...limits) } : base);
    return [h.hash, principal];
  });
}

/**
 * The key table, maintained incrementally: a change recompiles only the keys it touches (a changed
 * key, or every key of a changed agent or user), so with 100,000 keys a revocation costs microseconds, not a
 * rebuild. Each snapshot gets its own immutable view; the base map is shared and never mutated.
 */
export function createKeyIndex() {
  let base = new Map<string, Principal>();
  let overlay = new Map<string, Principal | null>();
  let size = 0;
  const hashesOf = new Map<string, readonly string[]>();
  // Which keys depend on which agent / user (`Agent/bot`, `User/dave`), to recompile only those.
  const dependsOn = new Map<string, readonly string[]>();
  const dependents = new Map<string, Set<string>>();

  function index(keyName: string, spec: ApiKeySpec | undefined): void {
    for (const d of dependsOn.get(keyName) ?? []) dependents.get(d)?.delete(keyName);
    const next = spec ? [...(spec.agent ? [`Agent/${spec.agent}`] : []), ...(spec.user ? [`User/${spec.user}`] : [])] : [];
    if (next.length === 0) dependsOn.delete(keyName);
    else dependsOn.set(keyName, next);
    for (const d of next) {
      const set = dependents.get(d) ?? new Set<string>();
      dependents.set(d, set);
      set.add(keyName);
    }
  }

  return {
    /** Applies changed rows; `keyRow` reads a key's current row, `context` is the new agent and user state. */
    update(changed: readonly StoredResource[], keyRow: (name: string) => StoredResource | undefined, context: KeyContext): KeyLookup {
      const touched = new Set<string>();
      for (const r of changed) {
        if (r.kind === 'ApiKey') touched.add(r.name);
        else for (const k of dependents.get(`${r.kind}/${r.name}`) ?? []) touched.add(k);
      }
      if (touched.size === 0) return layered(base, overlay, size);
      const next = new Map(overlay);
      for (const name of touched) {
        for (const h of hashesOf.get(name) ?? []) {
          next.set(h, null);
          size--;
        }
        const row = keyRow(name);
        const entries = row ? keyEntries(row, context) : [];
        for (const [h, p] of entries) next.set(h, p);
        size += entries.length;
        if (entries.length > 0) hashesOf.set(name, entries.map(([h]) => h));
        else hashesOf.delete(name);
        index(name, row ? (row.spec as ApiKeySpec) : undefined);
      }
      if (next.size > COMPACT_AT) {
        const merged = new Map(base);
        for (const [h, p] of next) {
          if (p) merged.set(h, p);
          else merged.delete(h);
        }
        base = merged;
        overlay = new Map();
      } else overlay = next;
      return layered(base, overlay, size);
    },
  };
}
