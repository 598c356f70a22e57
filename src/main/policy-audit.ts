import diagnosticsChannel from 'node:diagnostics_channel';
import type { Logger } from '../kernel/logger.js';
import type { AuditDraft } from '../storage/ports/resource-store.js';
import { CHANNEL_NAMES, type PolicyDecisionMessage } from '../telemetry/channels.js';

/**
 * The audit entry of a policy denial: action `policy.deny`, actor the principal that asked
 * ("ApiKey:ci-key", "Agent:triage"), target the resource (the Model), the deciding policy ids in
 * `after` — never a policy's text, never the prompt.
 */
export function policyAuditDraft(m: PolicyDecisionMessage, at: number): AuditDraft {
  const colon = m.resource.indexOf(':');
  return {
    ts: at,
    actor: m.principal,
    action: 'policy.deny',
    kind: colon > 0 ? m.resource.slice(0, colon) : undefined,
    name: colon > 0 ? m.resource.slice(colon + 1) : m.resource,
    team: m.team,
    outcome: 'denied',
    requestId: m.requestId,
    sourceIp: undefined,
    before: undefined,
    after: { policies: [...m.policyIds], action: m.action, team: m.team },
    diff: undefined,
  };
}

/** Evaluation errors repeat on every request a broken policy sees: one warn line per this interval at most. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Subscribes to policy decisions: a denial is queued as an audit entry (`record` is the alert
 * recorder's batching queue with retries, so none is lost to a slow or briefly unreachable store); a
 * dry-run would-deny is a warn line (request id and policy ids only) — the metric and the usage event
 * carry the rest. An evaluation error (a policy skipped) is not audited: a warn line at most every
 * 10 s, with how many were not logged since. A denial a Grant overrode (`granted`) is neither audited
 * nor logged (too noisy; the usage event and the metric carry it). Neither throws into nor waits on the publishing request.
 */
export function subscribePolicyAudit(record: (draft: AuditDraft) => void, logger: Logger, now: () => number): () => void {
  let errorLoggedAt: number | undefined;
  let errorsUnlogged = 0;
  const onDecision = (message: unknown) => {
    const m = message as PolicyDecisionMessage;
    if (m.outcome === 'deny') record(policyAuditDraft(m, now()));
    // A grant's use is in the usage event (`grant:<name>`) and the metric; its approval and expiry are audited.
    else if (m.outcome === 'granted') return;
    else if (m.outcome === 'error') {
      const at = now();
      if (errorLoggedAt !== undefined && at - errorLoggedAt < ERROR_LOG_INTERVAL_MS) {
        errorsUnlogged += 1;
        return;
      }
      logger.warn({ requestId: m.requestId, policies: m.policyIds, resource: m.resource, team: m.team, unloggedSince: errorsUnlogged }, 'policies failed to evaluate on this request and were skipped; check them against the request (gantry policy test)');
      errorLoggedAt = at;
      errorsUnlogged = 0;
    } else logger.warn({ requestId: m.requestId, policies: m.policyIds, principal: m.principal, resource: m.resource, team: m.team }, 'dry-run policy would deny this request');
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.policyDecision, onDecision);
  return () => diagnosticsChannel.unsubscribe(CHANNEL_NAMES.policyDecision, onDecision);
}
