import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, type Registry } from 'prom-client';
import { CHANNEL_NAMES, type PolicyDecisionMessage } from '../channels.js';

/**
 * `gantry_policy_decisions_total{outcome, policy}`: enforced denials, dry-run would-denials,
 * evaluation errors (a policy skipped on a request) and denials a Grant overrode (`granted`), one count per policy id (ids come from configuration, so the label stays bounded). Watching
 * `would_deny` is how a dry-run policy is judged before it is enforced.
 */
export function createPolicyMetrics(registry: Registry): { close(): void } {
  const decisions = new Counter({
    name: 'gantry_policy_decisions_total',
    help: 'Policy decisions that denied (outcome=deny), would have denied in dry-run (outcome=would_deny), failed to evaluate and were skipped (outcome=error), or denied but a Grant let the request through (outcome=granted), by policy id.',
    labelNames: ['outcome', 'policy'] as const,
    registers: [registry],
  });
  const onDecision = (message: unknown) => {
    const m = message as PolicyDecisionMessage;
    for (const policy of m.policyIds) decisions.inc({ outcome: m.outcome, policy });
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.policyDecision, onDecision);
  return {
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.policyDecision, onDecision);
    },
  };
}
