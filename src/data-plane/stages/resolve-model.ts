import { GatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { requestFeatures } from '../routing/features.js';
import type { CompiledModel, CompiledRoute } from '../snapshot.js';
import type { DriftReporter } from './agent-drift.js';
import { activeGrant, noteGrant } from './grant-check.js';

/** The chat request a Route decides on; a function when building it costs something (read only for a Route). */
export type RouteInput = ChatCompletionRequest | (() => ChatCompletionRequest);

/** The policy decision, run once the model is known (stages/authorize.ts); absent: no policies. */
export type AuthorizeModel = (ctx: RequestContext, chat?: RouteInput) => void;

/**
 * Finds the model in the snapshot, checks it serves this endpoint and has a price (fail closed:
 * an unpriced model is never served as $0), and picks its deployment. A Route name is resolved to
 * the Model it decides on first (ctx.route records the decision); the rest is as if the client had
 * asked for that Model. A model outside the key's or the agent's list is refused unless an active
 * invoke_model Grant names it (or the Route asked); the agent's case is drift either way.
 */
export function createResolveModel(authorize?: AuthorizeModel, drift?: DriftReporter) {
  return function resolveModel(ctx: RequestContext, input?: RouteInput): void {
    // The Route, the policy decision and tool drift may each read the request: built once at most.
    const chat = typeof input === 'function' ? buildOnce(input) : input;
    const asked = ctx.requestedModel ?? '';
    const route = ctx.snapshot.routes.get(asked);
    const name = route ? decideRoute(ctx, route, chat) : asked;
    const model: CompiledModel | undefined = ctx.snapshot.models.get(name);
    if (!model) {
      throw new GatewayError('GW_MODEL_NOT_FOUND', `The model "${name}" does not exist. GET /v1/models lists the models you can use.`, {
        param: 'model',
      });
    }
    // Through a Route: a scope naming the route allows whatever it picks; else the picked model must be in it.
    const via = route ? ` that Route "${asked}" chose (${ctx.route?.reason})` : '';
    const allows = (scope: ReadonlySet<string>) => scope.has(name) || (route !== undefined && scope.has(asked));
    const agentName = ctx.attribution?.agent;
    const agent = agentName === undefined ? undefined : ctx.snapshot.agents.get(agentName);
    const agentModels = agent?.models;
    const undeclared = agentModels !== undefined && !allows(agentModels);
    // Drift whichever check refuses first (an agent's key is usually scoped to the agent's models).
    if (undeclared) drift?.undeclaredModel(ctx, name);
    const scope = ctx.principal?.models;
    if (scope && !allows(scope)) {
      const grant = activeGrant(ctx, 'invoke_model', name, route ? asked : undefined);
      if (!grant) throw new GatewayError('GW_MODEL_NOT_ALLOWED', `This API key may not use the model "${name}"${via}; it is scoped to ${[...scope].join(', ') || 'no models'}.`, { param: 'model' });
      noteGrant(ctx, grant.name);
    }
    if (agentModels && undeclared) {
      const grant = activeGrant(ctx, 'invoke_model', name, route ? asked : undefined);
      if (!grant) throw new GatewayError('GW_MODEL_NOT_ALLOWED', `Agent "${agentName}" may not use the model "${name}"${via}; it is allowed ${[...agentModels].join(', ') || 'no models'}.`, { param: 'model' });
      noteGrant(ctx, grant.name);
    }
    const wanted = ctx.endpoint === 'embeddings' ? 'embedding' : 'chat';
    if (model.type !== wanted) {
      throw new GatewayError(
        'GW_MODEL_WRONG_ENDPOINT',
        `The model "${name}" is ${model.type === 'chat' ? 'a chat model' : 'an embedding model'}; use ${model.type === 'chat' ? '/v1/chat/completions' : '/v1/embeddings'}.`,
        { param: 'model' },
      );
    }
    ctx.model = model;
    if (!model.pricing) {
      throw new GatewayError(
        'GW_MODEL_UNPRICED',
        `The model "${name}", one of its deployments or one of its fallback models has no price, so Gantry refuses to serve it rather than record $0. Add spec.pricing to the Model (or the deployment, or "pricing: {free: true}") and check its routing.fallbacks.`,
      );
    }
    ctx.deployment = model.deployments[0];
    authorize?.(ctx, chat);
    // Only an agent that declares tools can drift on them: the common request never builds the chat request here.
    if (drift && agent?.tools !== undefined && chat !== undefined) reportOfferedTools(ctx, drift, chat);
  };
}

/** The request builder, run on first use only (a caller that needs the request afterwards can share it). */
export function buildOnce(build: () => ChatCompletionRequest): () => ChatCompletionRequest {
  let built: ChatCompletionRequest | undefined;
  return () => {
    built ??= build();
    return built;
  };
}

/** The function tools a chat request offers the model, for drift against the agent's spec.tools. */
function reportOfferedTools(ctx: RequestContext, drift: DriftReporter, chat: RouteInput): void {
  const tools = (typeof chat === 'function' ? chat() : chat).tools;
  if (!tools || tools.length === 0) return;
  const names: string[] = [];
  for (const t of tools) if (t.type === 'function') names.push(t.function.name);
  drift.offeredTools(ctx, names);
}

/** Lets the Route decide from the request's features; records the decision and the savings baseline on the context. */
function decideRoute(ctx: RequestContext, route: CompiledRoute, chat: RouteInput | undefined): string {
  if (ctx.endpoint === 'embeddings') {
    throw new GatewayError('GW_MODEL_WRONG_ENDPOINT', `The model "${route.name}" is a chat route; use /v1/chat/completions.`, { param: 'model' });
  }
  // A programming error, not a client one: every chat endpoint passes its request.
  if (chat === undefined) throw new Error(`resolveModel needs the chat request to resolve Route "${route.name}"`);
  const request = typeof chat === 'function' ? chat() : chat;
  const decision = route.decide(requestFeatures(request, ctx), stickyKey(ctx, route.sticky));
  const baseline = route.baseline === undefined ? undefined : ctx.snapshot.models.get(route.baseline);
  ctx.route = { name: route.name, reason: decision.reason, baseline };
  return decision.model;
}

/** The same run (x-gantry-run), else the same API key, gets the same split choice. */
function stickyKey(ctx: RequestContext, sticky: CompiledRoute['sticky']): string | undefined {
  if (sticky === 'none') return undefined;
  const run = ctx.attribution?.run;
  if (sticky === 'run' && run !== undefined) return `run:${run}`;
  const keyId = ctx.principal?.keyId;
  return keyId === undefined ? undefined : `key:${keyId}`;
}
