import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, type Registry } from 'prom-client';
import { CHANNEL_NAMES, type GuardrailHitMessage } from '../channels.js';

/**
 * gantry_guardrail_hits_total{guardrail,rule,action,stage}: findings per guardrail and rule (the
 * count of matches, not of requests). Labels are bounded: guardrail names come from configuration,
 * rules from the fixed detector list.
 */
export function createGuardrailMetrics(registry: Registry): { close(): void } {
  const hits = new Counter({
    name: 'gantry_guardrail_hits_total',
    help: 'Guardrail findings (matches), by guardrail, detector rule, action taken (block, redact, flag) and stage (input, output).',
    labelNames: ['guardrail', 'rule', 'action', 'stage'] as const,
    registers: [registry],
  });
  const onHit = (message: unknown) => {
    const m = message as GuardrailHitMessage;
    hits.inc({ guardrail: m.guardrail, rule: m.rule, action: m.action, stage: m.stage }, m.count);
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.guardrailHit, onHit);
  return {
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.guardrailHit, onHit);
    },
  };
}
