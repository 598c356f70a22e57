import type { Clock } from '../../kernel/clock.js';
import type { AgentDriftMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';

/**
 * Where the data plane reports traffic outside an agent's registration (docs/agents.md#drift). Each
 * call is a Map/Set lookup at most and publishes only when there is drift and a subscriber (the
 * detector in main/ deduplicates, stores and alerts).
 */
export interface DriftReporter {
  /** x-gantry-agent named an agent that is not registered (shadow AI). */
  unregisteredAgent(ctx: RequestContext, agent: string): void;
  /** A registered agent asked for a model outside its spec.models (refused unless a Grant allowed it). */
  undeclaredModel(ctx: RequestContext, model: string): void;
  /** A tools/call outside a registered agent's spec.tools (refused unless a Grant allowed it). */
  undeclaredTool(ctx: RequestContext, tool: string): void;
  /** A chat request offered the model function tools; those outside a registered agent's declared tools are drift. */
  offeredTools(ctx: RequestContext, names: readonly string[]): void;
}

export function createDriftReporter(deps: { readonly channels: Pick<TelemetryChannels, 'agentDrift'>; readonly clock: Clock }): DriftReporter {
  const publish = (ctx: RequestContext, kind: AgentDriftMessage['kind'], agent: string, item: string) => {
    if (!deps.channels.agentDrift.hasSubscribers) return;
    const message: AgentDriftMessage = { kind, agent, team: ctx.principal?.team ?? 'unknown', item, requestId: ctx.requestId, at: deps.clock.now() };
    deps.channels.agentDrift.publish(message);
  };
  return {
    unregisteredAgent: (ctx, agent) => publish(ctx, 'unregistered_agent', agent, ''),
    undeclaredModel(ctx, model) {
      const agent = ctx.attribution?.agent;
      if (agent !== undefined) publish(ctx, 'undeclared_model', agent, model);
    },
    undeclaredTool(ctx, tool) {
      // A registered agent only: an unregistered name (client-chosen) is already unregistered_agent
      // drift, and one finding per tool it tries would let any key raise alerts at will.
      const agent = ctx.attribution?.agent;
      if (agent !== undefined && ctx.snapshot.agents.has(agent)) publish(ctx, 'undeclared_tool', agent, tool);
    },
    offeredTools(ctx, names) {
      const agent = ctx.attribution?.agent;
      if (agent === undefined || names.length === 0) return;
      const declared = ctx.snapshot.agents.get(agent)?.tools;
      if (!declared) return;
      for (const name of names) if (!declared.has(name)) publish(ctx, 'offered_tool', agent, name);
    },
  };
}
