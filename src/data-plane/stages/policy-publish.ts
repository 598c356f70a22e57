import { GatewayError } from '../../kernel/errors/index.js';
import type { PolicyRequest } from '../../policy/types.js';
import type { PolicyDecisionMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { CompiledGrant } from '../snapshot.js';
import { noteGrant } from './grant-check.js';

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

/**
 * What an enforced denial comes to, for model calls (authorize.ts) and tool calls (mcp/tool-policy.ts)
 * alike: an active Grant overrides it (noted as the usage event's evidence, published `granted` for
 * the metrics), else GW_POLICY_DENIED naming the policy ids (never their text), published `deny` for
 * the audit. `what` names the action and resource when the default wording is not enough.
 */
export function grantOrRefuse(ctx: RequestContext, publish: PublishDecision, request: PolicyRequest, deniedBy: readonly string[], grant: CompiledGrant | undefined, what?: string): void {
  if (grant) {
    noteGrant(ctx, grant.name);
    publish(ctx, request, 'granted', deniedBy);
    return;
  }
  ctx.policyDeniedBy = deniedBy;
  publish(ctx, request, 'deny', deniedBy);
  const { principal, resource } = request;
  throw new GatewayError(
    'GW_POLICY_DENIED',
    `Policy "${deniedBy.join('", "')}" denies ${what ?? `${request.action} on ${resource.type} "${resource.id}"`} for ${principalLabel(principal)} of team "${principal.team}". Ask your platform team about the policy, or request a Grant (docs/grants.md).`,
  );
}
