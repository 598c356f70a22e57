import { createHash } from 'node:crypto';
import { preparsePolicySet } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Bounded use of cedar-wasm's preparsed policy sets. The library keeps them in its own thread-local
 * map with no way to remove one, so ids are a fixed number of slots: a set is named by its content
 * hash, takes the least recently used slot, and an engine whose slot was taken since re-preparses
 * before deciding (only when more sets than slots are alive at once, i.e. never in steady state).
 *
 * Module-level on purpose: it mirrors the library's per-thread state, and two registries would
 * overwrite each other's slots.
 */
const SLOTS = 256;
/**
 * How many sets one engine may preparse (per-team partitioning, cedar-engine.ts): a quarter of the
 * slots, so the live snapshot, the one being compiled and a CLI/validation engine never evict each other.
 */
export const SETS_PER_ENGINE = SLOTS / 4;
const slotHolder = new Map<string, string>(); // slot id → content hash (Map order = least recently used first)

export interface PreparsedSet {
  /** The slot id to pass to statefulIsAuthorized, re-preparsed first if another set took the slot. */
  id(): string;
}

/** Preparses `policies` (id → Cedar text) once; throws Cedar's message if the set does not parse. */
export function preparse(policies: Readonly<Record<string, string>>): PreparsedSet {
  const hash = createHash('sha256').update(JSON.stringify(Object.entries(policies))).digest('hex').slice(0, 24);
  const load = (): string => {
    for (const [s, h] of slotHolder) {
      if (h === hash) {
        slotHolder.delete(s);
        slotHolder.set(s, h);
        return s;
      }
    }
    const free = slotHolder.size < SLOTS ? `gantry-policies-${slotHolder.size}` : (slotHolder.keys().next().value as string);
    const answer = preparsePolicySet(free, { staticPolicies: { ...policies } });
    if (answer.type === 'failure') throw new Error(`Cedar could not parse the policy set: ${answer.errors.map((e) => e.message).join('; ')}`);
    slotHolder.delete(free);
    slotHolder.set(free, hash);
    return free;
  };
  let slot = load();
  return {
    id() {
      if (slotHolder.get(slot) !== hash) slot = load();
      return slot;
    },
  };
}
