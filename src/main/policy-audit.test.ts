import { describe, expect, it } from 'vitest';
import type { Logger } from '../kernel/logger.js';
import type { AuditDraft } from '../storage/ports/resource-store.js';
import { type PolicyDecisionMessage, telemetryChannels } from '../telemetry/channels.js';
import { subscribePolicyAudit } from './policy-audit.js';

const message = (outcome: PolicyDecisionMessage['outcome'], requestId: string): PolicyDecisionMessage => ({
  outcome,
  policyIds: ['gold-only'],
  action: 'invoke_model',
  principal: 'ApiKey:ci-key',
  resource: 'Model:sim-large',
  team: 'research',
  requestId,
});

describe('policy audit', () => {
  it('logs evaluation errors at most every 10 s, with policy ids and request id, and never audits them', () => {
    const audited: AuditDraft[] = [];
    const warns: Record<string, unknown>[] = [];
    const noop = () => undefined;
    const logger = { debug: noop, info: noop, error: noop, warn: (obj: object) => warns.push(obj as Record<string, unknown>), child: () => logger } as unknown as Logger;
    let now = 1_000_000;
    const stop = subscribePolicyAudit((d) => audited.push(d), logger, () => now);
    try {
      const channel = telemetryChannels().policyDecision;
      channel.publish(message('error', 'r1'));
      now += 9_999;
      channel.publish(message('error', 'r2'));
      channel.publish(message('error', 'r3'));
      now += 1;
      channel.publish(message('error', 'r4'));
      expect(audited).toEqual([]);
      expect(warns).toEqual([
        expect.objectContaining({ requestId: 'r1', policies: ['gold-only'], unloggedSince: 0 }),
        expect.objectContaining({ requestId: 'r4', policies: ['gold-only'], unloggedSince: 2 }),
      ]);
      channel.publish(message('deny', 'r5'));
      expect(audited.map((d) => d.requestId)).toEqual(['r5']);
    } finally {
      stop();
    }
  });
});
