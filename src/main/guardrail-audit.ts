import diagnosticsChannel from 'node:diagnostics_channel';
import type { AuditDraft } from '../storage/ports/resource-store.js';
import { CHANNEL_NAMES, type GuardrailHitMessage } from '../telemetry/channels.js';

export const GUARDRAIL_ACTOR = 'system:guardrails';

/**
 * The audit entry of a guardrail block: action `guardrail.block`, the Guardrail as target, the
 * request, team, stage, rule and count in `after` — never the matched text (the message has none).
 */
export function guardrailAuditDraft(m: GuardrailHitMessage, at: number): AuditDraft {
  return {
    ts: at,
    actor: GUARDRAIL_ACTOR,
    action: 'guardrail.block',
    kind: 'Guardrail',
    name: m.guardrail,
    team: m.team,
    outcome: 'denied',
    requestId: m.requestId,
    sourceIp: undefined,
    before: undefined,
    after: { stage: m.stage, rule: m.rule, count: m.count, team: m.team },
    diff: undefined,
  };
}

/**
 * Subscribes to guardrail hits and queues an audit entry per block (redactions and flags are evidence
 * on the usage event and in metrics only). `record` must not throw or wait: the publisher is a request.
 */
export function subscribeGuardrailAudit(record: (draft: AuditDraft) => void, now: () => number): () => void {
  const onHit = (message: unknown) => {
    const m = message as GuardrailHitMessage;
    if (m.action === 'block') record(guardrailAuditDraft(m, now()));
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.guardrailHit, onHit);
  return () => diagnosticsChannel.unsubscribe(CHANNEL_NAMES.guardrailHit, onHit);
}
