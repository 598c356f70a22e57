import type { StoredResource } from '../../storage/ports/resource-store.js';

/**
 * This process's copy of every live resource, kept current from the store's change feed. The
 * snapshot is compiled from it, so a change costs one delta read, not a full reload.
 */
export function createResourceCache() {
  const byKind = new Map<string, Map<string, StoredResource>>();
  let revision = 0;
  const bucket = (kind: string) => {
    let m = byKind.get(kind);
    if (!m) {
      m = new Map();
      byKind.set(kind, m);
    }
    return m;
  };
  return {
    revision: () => revision,
    /** Applies changed rows (tombstones remove). Returns the kinds that changed. */
    apply(rows: readonly StoredResource[]): Set<string> {
      const kinds = new Set<string>();
      for (const r of rows) {
        if (r.deleted) bucket(r.kind).delete(r.name);
        else bucket(r.kind).set(r.name, r);
        kinds.add(r.kind);
        if (r.revision > revision) revision = r.revision;
      }
      return kinds;
    },
    /** Marks the cache current up to `rev` (every change up to it has been applied). */
    advanceTo(rev: number): void {
      if (rev > revision) revision = rev;
    },
    all: (kind: string): Iterable<StoredResource> => bucket(kind).values(),
    get: (kind: string, name: string): StoredResource | undefined => byKind.get(kind)?.get(name),
    size: (kind: string): number => byKind.get(kind)?.size ?? 0,
  };
}

export type ResourceCache = ReturnType<typeof createResourceCache>;
