import type { GuardrailHit } from '../../guardrails/types.js';
import type { GuardrailHitMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';

/** Records a hit on the request (usage event evidence) and publishes it (metrics, audit for blocks). */
export function createHitRecorder(channels: Pick<TelemetryChannels, 'guardrailHit'> | undefined) {
  return function recordHit(ctx: RequestContext, hit: GuardrailHit): void {
    ctx.guardrailHits.push(hit);
    if (!channels?.guardrailHit.hasSubscribers) return;
    const message: GuardrailHitMessage = {
      guardrail: hit.guardrail,
      stage: hit.stage,
      rule: hit.rule,
      action: hit.action,
      count: hit.count,
      team: ctx.principal?.team ?? 'unknown',
      requestId: ctx.requestId,
    };
    channels.guardrailHit.publish(message);
  };
}

export type RecordHit = ReturnType<typeof createHitRecorder>;

/** The usage event's `guardrails` field: "<guardrail>/<stage>/<rule>:<action>×<count>" joined by ";". */
export function guardrailEvidence(hits: readonly GuardrailHit[]): string | undefined {
  if (hits.length === 0) return undefined;
  return hits.map((h) => `${h.guardrail}/${h.stage}/${h.rule}:${h.action}×${h.count}`).join(';');
}
