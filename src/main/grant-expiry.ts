import type { Logger } from '../kernel/logger.js';
import type { GrantService } from '../control-plane/service/grants.js';

export const GRANT_EXPIRY_INTERVAL_MS = 15_000;

export interface GrantExpiry {
  /** One sweep now (also what the timer runs); resolves with the grants this process marked expired. */
  sweep(): Promise<string[]>;
  /** Stops the timer and waits for a sweep in progress. */
  close(): Promise<void>;
}

/**
 * Records grant expiry (docs/grants.md): at start and every ~15 s, approved grants past expiresAt
 * become `expired` with an audit entry `grants.expire` (actor system:grant-expiry). Every process
 * sweeps; the write carries the row's generation, so exactly one records each grant. Enforcement
 * does not wait for this: the data plane stops honouring a grant at expiresAt by its own clock.
 */
export function startGrantExpiry(deps: { readonly grants: Pick<GrantService, 'expireDue'>; readonly logger: Logger; readonly intervalMs?: number }): GrantExpiry {
  let running: Promise<string[]> | undefined;
  const sweep = (): Promise<string[]> => {
    running ??= deps.grants
      .expireDue()
      .then((names) => {
        if (names.length > 0) deps.logger.info({ grants: names }, 'grants expired');
        return names;
      })
      .catch((err: unknown) => {
        deps.logger.warn({ err }, 'marking expired grants failed; retrying at the next sweep (they are no longer honoured either way)');
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  void sweep();
  const timer = setInterval(() => void sweep(), deps.intervalMs ?? GRANT_EXPIRY_INTERVAL_MS);
  timer.unref();
  return {
    sweep,
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
