import type { RuntimeSnapshot, SnapshotSource } from '../../data-plane/snapshot.js';

/** Holds the current snapshot; `swap` replaces it atomically (requests keep the one they started with). */
export interface SnapshotHolder extends SnapshotSource {
  swap(next: RuntimeSnapshot): void;
}

export function createSnapshotHolder(initial?: RuntimeSnapshot): SnapshotHolder {
  let current = initial;
  return {
    current: () => current,
    swap(next) {
      if (current && next.generation <= current.generation) {
        throw new Error(`snapshot generation must increase (${current.generation} → ${next.generation})`);
      }
      current = next;
    },
  };
}
