import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { CounterStore } from '../storage/ports/counter-store.js';
import type { CounterSettings } from './counter-settings.js';

/** Who this process is to the counter store: its reservations are reclaimed if it stops renewing. */
export function counterOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Only the adapter in use is loaded (ioredis costs memory a single-host install never needs). */
export async function openCounterStore(settings: CounterSettings, dataDir: string, owner: string): Promise<CounterStore> {
  switch (settings.kind) {
    case 'memory': {
      const { createMemoryCounterStore } = await import('../storage/memory/counter-store.js');
      const release = claimDataDir(dataDir);
      const store = createMemoryCounterStore({ owner });
      return { ...store, close: () => store.close().finally(release) };
    }
    case 'sqlite': {
      const { openSqliteCounterStore } = await import('../storage/sqlite/counter-store.js');
      return openSqliteCounterStore(join(dataDir, 'counters.db'), { owner });
    }
    case 'redis': {
      const { openRedisCounterStore } = await import('../storage/redis/counter-store.js');
      return openRedisCounterStore({ url: settings.redisUrl as string, owner, prefix: settings.redisPrefix });
    }
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * In-memory counters are this process's alone: a second process serving the same data directory
 * would enforce its own copy of every budget and rate limit (limits that multiply with processes).
 * A lock file names the process that counts in memory; another one is refused with what to do.
 */
function claimDataDir(dataDir: string): () => void {
  const path = join(dataDir, 'counters.lock');
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new Error(
          `Another Gantry process (pid ${holder}) counts budgets and rate limits in memory for the data directory ${dataDir}. Processes that share a data directory must share their counters: start every one of them with GANTRY_COUNTERS=sqlite (or run one \`gantry start --workers N\`, or set GANTRY_REDIS_URL).`,
        );
      }
      unlinkSync(path); // left by a process that is gone
    }
  }
  throw new Error(`Could not take ${path}; another process keeps creating it.`);
}
