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

/** The credentials of one key, or none when it is revoked or its agent does not serve. */
export function keyEntries(r: StoredResource, agents: ReadonlyMap<string, CompiledAgent>): [string, Principal][] {
  const spec = r.spec as ApiKeySpec;
  if ((r.status as ApiKeyStatus | undefined)?.revokedAt) return [];
  const agent = spec.agent ? agents.get(spec.agent) : undefined;
  if (spec.agent && !agent?.serving) return [];
  const expiresAt = spec.expiresAt ? Date.parse(spec.expiresAt) : undefined;
  const models = intersect(spec.models, agent?.models);
  const base = {
    keyId: r.uid,
    keyName: r.name,
    team: spec.team,
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
 * key, or every key of a changed agent), so with 100,000 keys a revocation costs microseconds, not a
 * rebuild. Each snapshot gets its own immutable view; the base map is shared and never mutated.
 */
export function createKeyIndex() {
  let base = new Map<string, Principal>();
  let overlay = new Map<string, Principal | null>();
  let size = 0;
  const hashesOf = new Map<string, readonly string[]>();
  const agentOf = new Map<string, string>();
  const keysOfAgent = new Map<string, Set<string>>();

  function index(keyName: string, agent: string | undefined): void {
    const prev = agentOf.get(keyName);
    if (prev === agent) return;
    if (prev !== undefined) keysOfAgent.get(prev)?.delete(keyName);
    if (agent === undefined) agentOf.delete(keyName);
    else {
      agentOf.set(keyName, agent);
      const set = keysOfAgent.get(agent) ?? new Set<string>();
      keysOfAgent.set(agent, set);
      set.add(keyName);
    }
  }

  return {
    /** Applies changed rows; `keyRow` reads a key's current row, `agents` is the new agent table. */
    update(changed: readonly StoredResource[], keyRow: (name: string) => StoredResource | undefined, agents: ReadonlyMap<string, CompiledAgent>): KeyLookup {
      const touched = new Set<string>();
      for (const r of changed) {
        if (r.kind === 'ApiKey') touched.add(r.name);
        else if (r.kind === 'Agent') for (const k of keysOfAgent.get(r.name) ?? []) touched.add(k);
      }
      if (touched.size === 0) return layered(base, overlay, size);
      const next = new Map(overlay);
      for (const name of touched) {
        for (const h of hashesOf.get(name) ?? []) {
          next.set(h, null);
          size--;
        }
        const row = keyRow(name);
        const entries = row ? keyEntries(row, agents) : [];
        for (const [h, p] of entries) next.set(h, p);
        size += entries.length;
        if (entries.length > 0) hashesOf.set(name, entries.map(([h]) => h));
        else hashesOf.delete(name);
        index(name, row ? (row.spec as ApiKeySpec).agent : undefined);
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
