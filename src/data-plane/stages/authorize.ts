import { GatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { PolicyRequest, PolicyValue, PrincipalType } from '../../policy/types.js';
import type { PolicyDecisionMessage, TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { CompiledModel } from '../snapshot.js';
import { worstCaseMicros } from '../limits/worst-case.js';
import type { AuthorizeModel } from './resolve-model.js';

/** The team's month-to-date spend, from a per-process view refreshed off the request path. */
export interface SpendView {
  monthToDateMicros(team: string): number;
}

export interface AuthorizeDeps {
  readonly channels: Pick<TelemetryChannels, 'policyDecision'>;
  readonly spend: SpendView;
}


const DATA_CLASSES: ReadonlySet<string> = new Set(['public', 'internal', 'confidential', 'restricted']);

/** x-gantry-data-class, else the `data` tag, else internal (design-9). */
function dataClassOf(ctx: RequestContext): string {
  const header = ctx.headers['x-gantry-data-class'];
  const raw = (typeof header === 'string' ? header : ctx.attribution?.tags.data) ?? 'internal';
  const value = raw.trim().toLowerCase();
  if (!DATA_CLASSES.has(value)) {
    throw new GatewayError('GW_REQUEST_INVALID', `Data class "${raw}" is not one of public, internal, confidential, restricted (x-gantry-data-class header or the "data" tag).`);
  }
  return value;
}

/**
 * The agent when the request is attributed to one, else the user of a personal key, else the key.
 * Only a known agent (the key's own, or a registered one, which attribute.ts checked is of the key's
 * team) is a principal: a free-form x-gantry-agent name would otherwise let any caller step out of
 * policies on its key or user by sending a header.
 */
function principalOf(ctx: RequestContext): { type: PrincipalType; id: string; team: string } {
  const p = ctx.principal;
  const team = p?.team ?? 'unknown';
  const agent = ctx.attribution?.agent;
  if (agent !== undefined && (agent === p?.agent || ctx.snapshot.agents.has(agent))) return { type: 'Agent', id: agent, team };
  if (p?.user !== undefined) return { type: 'User', id: p.user, team };
  return { type: 'ApiKey', id: p?.keyName ?? 'unknown', team };
}

/** Prompt size as ceil(UTF-8 bytes / 4) of the messages (the routing features' cheap estimate, not the tokenizer). */
function promptTokensOf(request: ChatCompletionRequest | undefined): number {
  if (!request) return 0;
  let bytes = 0;
  for (const m of request.messages) bytes += Buffer.byteLength(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));
  return Math.ceil(bytes / 4);
}

function budgetMicrosOf(ctx: RequestContext, team: string): number {
  // The team's monthly hard limit: a Budget scoped to exactly this team (0 when none).
  let limit = 0;
  for (const b of ctx.snapshot.budgets) {
    const s = b.scope;
    if (b.hard && b.window === 'monthly' && !b.perRun && s.team === team && Object.keys(s).length === 1) limit = limit === 0 ? b.limitMicros : Math.min(limit, b.limitMicros);
  }
  return limit;
}

/**
 * A fallback model serves the request when the chosen one fails: one an enforced policy forbids is
 * left out of this request's fallbacks (else restricted data or a forbidden model is one upstream
 * error away). ctx.model becomes a copy only then; the snapshot's model is never changed. Kept ones a
 * dry-run policy would deny go on ctx.policyWouldDenyByModel: the usage event's evidence if one serves.
 */
function checkFallbacks(ctx: RequestContext, model: CompiledModel, request: PolicyRequest, onErrors: (request: PolicyRequest, errors: readonly string[]) => void): void {
  const engine = ctx.snapshot.policies;
  const { fallbacks } = model.routing;
  if (!engine || fallbacks.length === 0) return;
  const allowed: string[] = [];
  let wouldDeny: Map<string, readonly string[]> | undefined;
  for (const name of fallbacks) {
    if (!ctx.snapshot.models.has(name)) {
      allowed.push(name);
      continue;
    }
    const fallback: PolicyRequest = { ...request, resource: { type: 'Model', id: name } };
    const decision = engine.decide(fallback);
    if (decision.errors.length > 0) onErrors(fallback, decision.errors);
    if (!decision.allowed) continue;
    allowed.push(name);
    if (decision.wouldDenyBy.length > 0) {
      wouldDeny ??= new Map();
      wouldDeny.set(name, decision.wouldDenyBy);
    }
  }
  ctx.policyWouldDenyByModel = wouldDeny;
  if (allowed.length < fallbacks.length) ctx.model = { ...model, routing: { ...model.routing, fallbacks: allowed } };
}

/**
 * The policy decision for invoke_model, run at the end of resolveModel (design-9 order: model →
 * policy → guardrails → limits). No Policy resource: nothing at all. An enforced denial throws
 * GW_POLICY_DENIED naming the policy ids (never their text); dry-run denials go on ctx.policyWouldDeny.
 */
export function createAuthorize(deps: AuthorizeDeps): AuthorizeModel {
  const publish = (ctx: RequestContext, request: PolicyRequest, outcome: PolicyDecisionMessage['outcome'], policyIds: readonly string[]) => {
    if (!deps.channels.policyDecision.hasSubscribers) return;
    const message: PolicyDecisionMessage = {
      outcome,
      policyIds,
      action: request.action,
      principal: `${request.principal.type}:${request.principal.id}`,
      resource: `${request.resource.type}:${request.resource.id}`,
      team: request.principal.team,
      requestId: ctx.requestId,
    };
    deps.channels.policyDecision.publish(message);
  };

  return function authorize(ctx, chat): void {
    const engine = ctx.snapshot.policies;
    const model = ctx.model;
    if (!engine || !model) return;
    const request = typeof chat === 'function' ? chat() : chat;
    const principal = principalOf(ctx);
    const promptTokens = promptTokensOf(request);
    const maxOutput = request?.max_completion_tokens ?? request?.max_tokens ?? model.limits.maxOutputTokens;
    const worst = model.worstPrices ? worstCaseMicros(model.worstPrices, promptTokens, ctx.endpoint === 'embeddings' ? 0 : maxOutput) : 0;
    const at = new Date(ctx.startedAt);
    const tools = request?.tools ?? [];
    const context: Record<string, PolicyValue> = {
      dataClass: dataClassOf(ctx),
      projectedSpendMicros: deps.spend.monthToDateMicros(principal.team) + worst,
      budgetMicros: budgetMicrosOf(ctx, principal.team),
      hour: at.getUTCHours(),
      weekday: at.getUTCDay() === 0 ? 7 : at.getUTCDay(),
      tags: ctx.attribution?.tags ?? {},
      tools: tools.length > 0,
      toolNames: tools.map((t) => t.function.name),
      promptTokens,
      stream: ctx.stream,
    };
    const policyRequest: PolicyRequest = { principal, action: 'invoke_model', resource: { type: 'Model', id: model.name }, context };
    const decision = engine.decide(policyRequest);
    // A policy that failed to evaluate was skipped: counted and logged (rate-limited) by subscribers.
    if (decision.errors.length > 0) publish(ctx, policyRequest, 'error', decision.errors);
    if (decision.wouldDenyBy.length > 0) {
      ctx.policyWouldDeny = decision.wouldDenyBy;
      publish(ctx, policyRequest, 'would_deny', decision.wouldDenyBy);
    }
    if (decision.allowed) {
      checkFallbacks(ctx, model, policyRequest, (fallback, errors) => publish(ctx, fallback, 'error', errors));
      return;
    }
    ctx.policyDeniedBy = decision.deniedBy;
    publish(ctx, policyRequest, 'deny', decision.deniedBy);
    const who = principal.type === 'ApiKey' ? `key "${principal.id}"` : `${principal.type === 'Agent' ? 'agent' : 'user'} "${principal.id}"`;
    throw new GatewayError('GW_POLICY_DENIED', `Policy "${decision.deniedBy.join('", "')}" denies invoke_model on Model "${model.name}" for ${who} of team "${principal.team}". Ask your platform team about the policy.`);
  };
}
