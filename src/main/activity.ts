import type { Clock } from '../kernel/clock.js';
import type { ResourceStore } from '../storage/ports/resource-store.js';

const FLUSH_MS = 5_000;

/**
 * Last-used times of keys and last-seen times of agents: remembered in memory per request (one Map
 * set) and written in one batch every few seconds, never per request.
 */
export function createActivityRecorder(deps: { store: ResourceStore; clock: Clock; onError: (err: unknown) => void; flushMs?: number }) {
  let keys = new Map<string, number>();
  let agents = new Map<string, number>();
  const flush = async (): Promise<void> => {
    if (keys.size === 0 && agents.size === 0) return;
    const k = keys;
    const a = agents;
    keys = new Map();
    agents = new Map();
    try {
      await deps.store.touch('ApiKey', [...k].map(([name, at]) => ({ name, at })));
      await deps.store.touch('Agent', [...a].map(([name, at]) => ({ name, at })));
    } catch (err) {
      // Keep them for the next flush (newer times win).
      for (const [n, t] of k) if (!keys.has(n)) keys.set(n, t);
      for (const [n, t] of a) if (!agents.has(n)) agents.set(n, t);
      deps.onError(err);
    }
  };
  const timer = setInterval(() => void flush(), deps.flushMs ?? FLUSH_MS);
  timer.unref();
  return {
    used(keyName: string, agent: string | undefined): void {
      const now = deps.clock.now();
      keys.set(keyName, now);
      if (agent !== undefined) agents.set(agent, now);
    },
    flush,
    async close(): Promise<void> {
      clearInterval(timer);
      await flush();
    },
  };
}
