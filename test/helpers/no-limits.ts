import type { Limits } from '../../src/data-plane/limits/limits.js';

/** A data plane without budgets or rate limits (tests of other stages). */
export const NO_LIMITS: Limits = {
  admit: async () => undefined,
  settle: () => undefined,
  pendingSettlements: () => 0,
  close: async () => undefined,
};
