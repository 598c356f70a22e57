import type { PolicyRequest } from '../../policy/types.js';
import type { TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { CompiledGrant, CompiledMcpServer } from '../snapshot.js';
import { activeGrant } from '../stages/grant-check.js';
import { dataClassOf, principalOf } from '../stages/policy-principal.js';
import { createPublishDecision, grantOrRefuse } from '../stages/policy-publish.js';

type Principal = ReturnType<typeof principalOf>;

export interface ToolPolicy {
  /**
   * tools/list: false when a call would be refused by policy — an enforced denial of call_tool on the
   * tool, or of read_secret on a Secret of its server, that no Grant overrides. Publishes nothing.
   */
  visible(ctx: RequestContext, principal: Principal, server: CompiledMcpServer, tool: string): boolean;
  /**
   * tools/call: call_tool on the tool, then read_secret on each Secret the server uses. An enforced
   * denial throws GW_POLICY_DENIED (published like invoke_model denials, so the policy audit records
   * it) unless an active Grant overrides it (then noted on ctx.grantedBy: the usage event's evidence).
   */
  authorizeCall(ctx: RequestContext, server: CompiledMcpServer, tool: string): void;
}

export function createToolPolicy(deps: { readonly channels: Pick<TelemetryChannels, 'policyDecision'> }): ToolPolicy {
  const publish = createPublishDecision(deps.channels);

  const toolRequest = (ctx: RequestContext, principal: Principal, tool: string): PolicyRequest => ({
    principal,
    action: 'call_tool',
    resource: { type: 'Tool', id: tool },
    context: { dataClass: dataClassOf(ctx), tags: ctx.attribution?.tags ?? {} },
  });

  /** The read_secret requests a call of `server`'s tools decides (none when no policy can apply to them). */
  const secretRequests = (ctx: RequestContext, principal: Principal, server: CompiledMcpServer): PolicyRequest[] => {
    if (server.secrets.length === 0 || !ctx.snapshot.policies?.coversAction('read_secret')) return [];
    const tags = ctx.attribution?.tags ?? {};
    return server.secrets.map((secret) => ({ principal, action: 'read_secret', resource: { type: 'Secret', id: secret }, context: { tags } }));
  };

  /** One decision: dry-run evidence kept, errors published; an enforced denial throws unless a Grant overrides it (grantOrRefuse). */
  function decide(ctx: RequestContext, request: PolicyRequest, grant: () => CompiledGrant | undefined): void {
    const engine = ctx.snapshot.policies;
    if (!engine) return;
    const decision = engine.decide(request);
    if (decision.errors.length > 0) publish(ctx, request, 'error', decision.errors);
    if (decision.wouldDenyBy.length > 0) {
      ctx.policyWouldDeny = [...(ctx.policyWouldDeny ?? []), ...decision.wouldDenyBy];
      publish(ctx, request, 'would_deny', decision.wouldDenyBy);
    }
    if (!decision.allowed) grantOrRefuse(ctx, publish, request, decision.deniedBy, grant());
  }

  return {
    visible(ctx, principal, server, tool) {
      const engine = ctx.snapshot.policies;
      if (!engine) return true;
      // The same decisions as authorizeCall, so a listed tool is one the caller may call.
      if (!engine.decide(toolRequest(ctx, principal, tool)).allowed && activeGrant(ctx, 'call_tool', tool) === undefined) return false;
      return secretRequests(ctx, principal, server).every((r) => engine.decide(r).allowed || activeGrant(ctx, 'read_secret', r.resource.id) !== undefined);
    },

    authorizeCall(ctx, server, tool) {
      if (!ctx.snapshot.policies) return;
      const principal = principalOf(ctx);
      decide(ctx, toolRequest(ctx, principal, tool), () => activeGrant(ctx, 'call_tool', tool));
      // read_secret is decided only when a policy can apply to it (no cost otherwise).
      for (const request of secretRequests(ctx, principal, server)) decide(ctx, request, () => activeGrant(ctx, 'read_secret', request.resource.id));
    },
  };
}
