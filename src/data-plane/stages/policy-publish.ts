import type { PolicyRequest } from '../../policy/types.js';
import type { PolicyDecisionMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';

/** Publishes one policy decision (the policy audit and metrics subscribe) for a request. */
export type PublishDecision = (ctx: RequestContext, request: PolicyRequest, outcome: PolicyDecisionMessage['outcome'], policyIds: readonly string[]) => void;

/** One publisher for invoke_model (authorize.ts) and MCP (tool-policy.ts) decisions; builds nothing when nobody listens. */
export function createPublishDecision(channels: Pick<TelemetryChannels, 'policyDecision'>): PublishDecision {
  return (ctx, request, outcome, policyIds) => {
    if (!channels.policyDecision.hasSubscribers) return;
    const message: PolicyDecisionMessage = {
      outcome,
      policyIds,
      action: request.action,
      principal: `${request.principal.type}:${request.principal.id}`,
      resource: `${request.resource.type}:${request.resource.id}`,
      team: request.principal.team,
      requestId: ctx.requestId,
    };
    channels.policyDecision.publish(message);
  };
}

/** The principal as denial messages name it: key "k", agent "a" or user "u". */
export function principalLabel(p: PolicyRequest['principal']): string {
  return p.type === 'ApiKey' ? `key "${p.id}"` : `${p.type === 'Agent' ? 'agent' : 'user'} "${p.id}"`;
}
