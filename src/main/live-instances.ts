/**
 * Live instances (provider connection pools, MCP upstreams) made from the resources of the current
 * snapshot, keyed by what an instance is made of: the compile asks for each through get(), which
 * reuses the instance while its key is unchanged; sweep() after the compile closes the ones it did
 * not ask for (a replaced pool drains, a replaced process stops).
 */
export function createLiveInstances<T>(close: (instance: T) => Promise<void>, onCloseError: (err: unknown, instance: T) => void) {
  const live = new Map<string, T>();
  let used = new Set<string>();
  return {
    /** The instance for `key`, made by `create` (which may throw) when there is none. */
    get(key: string, create: () => T): T {
      let instance = live.get(key);
      if (instance === undefined) {
        instance = create();
        live.set(key, instance);
      }
      used.add(key);
      return instance;
    },
    values: (): IterableIterator<T> => live.values(),
    /** Closes the instances the last compile did not ask for. */
    sweep(): void {
      for (const [key, instance] of live) {
        if (used.has(key)) continue;
        live.delete(key);
        close(instance).catch((err: unknown) => onCloseError(err, instance));
      }
      used = new Set();
    },
    async closeAll(): Promise<void> {
      const all = [...live.values()];
      live.clear();
      used = new Set();
      await Promise.all(all.map(close));
    },
  };
}
