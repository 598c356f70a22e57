/**
 * A sticky key → [0, 1): FNV-1a over the UTF-16 code units, then murmur3's finalizer (fmix32) so that
 * similar keys (run-1, run-2) spread evenly. Every process maps a run or key to the same draw.
 */
export function stickyDraw(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** The draw for one pick in `scope` (a model or route name): the sticky key's hash, else `rng()`. */
export function weightedDraw(scope: string, stickyKey: string | undefined, rng: () => number): number {
  return stickyKey === undefined ? rng() : stickyDraw(`${scope}\u0000${stickyKey}`);
}

/** Walks the cumulative weights to `draw` (in [0, 1)); weight 0 is never picked; undefined when none weighs anything. */
export function pickByWeight<T extends { readonly weight: number }>(items: readonly T[], draw: number): T | undefined {
  let total = 0;
  for (const item of items) total += item.weight;
  if (total <= 0) return undefined;
  let point = draw * total;
  for (const item of items) {
    if (item.weight <= 0) continue;
    if (point < item.weight) return item;
    point -= item.weight;
  }
  // Rounding at draw ≈ 1: the last weighted item.
  return items.findLast((item) => item.weight > 0);
}
