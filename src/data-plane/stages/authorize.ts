import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { PolicyDecision, PolicyEngine, PolicyRequest, PolicyValue } from '../../policy/types.js';
import type { TelemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { CompiledModel } from '../snapshot.js';
import { worstCaseMicros } from '../limits/worst-case.js';
import type { AuthorizeModel } from './resolve-model.js';
import { dataClassOf, principalOf } from './policy-principal.js';
import { createPublishDecision, grantOrRefuse, type PublishDecision as Publish } from './policy-publish.js';
import { activeGrant, noteGrant } from './grant-check.js';

/** The team's month-to-date spend, from a per-process view refreshed off the request path. */
export interface SpendView {
  monthToDateMicros(team: string): number;
}

export interface AuthorizeDeps {
  readonly channels: Pick<TelemetryChannels, 'policyDecision'>;
  readonly spend: SpendView;
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

/** The caller as a policy principal (policyRequest.principal). */
type Principal = PolicyRequest['principal'];

/** A decision, with its evaluation errors published (a skipped policy is counted and logged by subscribers). */
function decide(ctx: RequestContext, engine: PolicyEngine, request: PolicyRequest, publish: Publish): PolicyDecision {
  const decision = engine.decide(request);
  if (decision.errors.length > 0) publish(ctx, request, 'error', decision.errors);
  return decision;
}

/** What reading a model's Secrets comes to: refused by a policy, or allowed (with the grants it needed). */
type SecretsVerdict =
  | { readonly denied: readonly string[]; readonly secret: string; readonly request: PolicyRequest }
  | { readonly denied: undefined; readonly grants: readonly string[]; readonly wouldDeny: readonly string[] };

const NO_SECRETS: SecretsVerdict = { denied: undefined, grants: [], wouldDeny: [] };

/**
 * read_secret(principal, Secret::<name>) for each Secret the model's providers use (design-10: the
 * request reads them through the gateway). Asked only when some policy can apply to read_secret
 * (PolicyEngine.coversAction), so it costs nothing otherwise. An enforced denial stands unless an
 * active read_secret Grant names that Secret. For the requested model (`served`), dry-run denials and
 * grants are published like invoke_model's; a fallback's only count as its evidence if it serves.
 */
function checkSecrets(ctx: RequestContext, engine: PolicyEngine, principal: Principal, model: CompiledModel, publish: Publish, served: boolean): SecretsVerdict {
  if (model.secrets.length === 0 || !engine.coversAction('read_secret')) return NO_SECRETS;
  const grants: string[] = [];
  const wouldDeny: string[] = [];
  for (const secret of model.secrets) {
    const request: PolicyRequest = { principal, action: 'read_secret', resource: { type: 'Secret', id: secret }, context: { tags: ctx.attribution?.tags ?? {} } };
    const decision = decide(ctx, engine, request, publish);
    if (decision.wouldDenyBy.length > 0) {
      wouldDeny.push(...decision.wouldDenyBy);
      if (served) publish(ctx, request, 'would_deny', decision.wouldDenyBy);
    }
    if (decision.allowed) continue;
    const grant = activeGrant(ctx, 'read_secret', secret);
    if (!grant) return { denied: decision.deniedBy, secret, request };
    grants.push(grant.name);
    if (served) publish(ctx, request, 'granted', decision.deniedBy);
  }
  return { denied: undefined, grants, wouldDeny };
}

/**
 * A fallback model serves the request when the chosen one fails: one an enforced policy forbids
 * (invoke_model on it, or read_secret on a Secret it uses) is left out of this request's fallbacks
 * (else restricted data or a forbidden model is one upstream error away) — unless an active Grant
 * covers it, recorded on ctx.grantedByModel as the evidence if it serves. ctx.model becomes a copy
 * only when one is left out; the snapshot's model is never changed. Kept ones a dry-run policy would
 * deny go on ctx.policyWouldDenyByModel: the usage event's evidence if one serves.
 */
function checkFallbacks(ctx: RequestContext, engine: PolicyEngine, model: CompiledModel, request: PolicyRequest, publish: Publish): void {
  const { fallbacks } = model.routing;
  if (fallbacks.length === 0) return;
  const allowed: string[] = [];
  let wouldDeny: Map<string, readonly string[]> | undefined;
  let granted: Map<string, string> | undefined;
  for (const name of fallbacks) {
    const fallbackModel = ctx.snapshot.models.get(name);
    if (!fallbackModel) {
      allowed.push(name);
      continue;
    }
    const decision = decide(ctx, engine, { ...request, resource: { type: 'Model', id: name } }, publish);
    const grants: string[] = [];
    if (!decision.allowed) {
      const grant = activeGrant(ctx, 'invoke_model', name);
      if (!grant) continue;
      grants.push(grant.name);
    }
    const secrets = checkSecrets(ctx, engine, request.principal, fallbackModel, publish, false);
    if (secrets.denied) continue;
    allowed.push(name);
    grants.push(...secrets.grants);
    const wouldDenyBy = [...decision.wouldDenyBy, ...secrets.wouldDeny];
    if (wouldDenyBy.length > 0) {
      wouldDeny ??= new Map();
      wouldDeny.set(name, wouldDenyBy);
    }
    if (grants.length > 0) {
      granted ??= new Map();
      granted.set(name, [...new Set(grants)].join(','));
    }
  }
  ctx.policyWouldDenyByModel = wouldDeny;
  ctx.grantedByModel = granted;
  if (allowed.length < fallbacks.length) ctx.model = { ...model, routing: { ...model.routing, fallbacks: allowed } };
}

/**
 * The policy decision for invoke_model, run at the end of resolveModel (design-9 order: model →
 * policy → guardrails → limits), then read_secret for the Secrets the model uses when a policy can
 * apply to it. No Policy resource: nothing at all. An enforced denial throws GW_POLICY_DENIED naming
 * the policy ids (never their text) unless an active Grant overrides it (evidence `grant:<name>`,
 * message outcome `granted`); dry-run denials go on ctx.policyWouldDeny.
 */
export function createAuthorize(deps: AuthorizeDeps): AuthorizeModel {
  const publish = createPublishDecision(deps.channels);

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
    const decision = decide(ctx, engine, policyRequest, publish);
    if (decision.wouldDenyBy.length > 0) {
      ctx.policyWouldDeny = decision.wouldDenyBy;
      publish(ctx, policyRequest, 'would_deny', decision.wouldDenyBy);
    }
    // A grant may name the Model or the Route the client asked for.
    if (!decision.allowed) grantOrRefuse(ctx, publish, policyRequest, decision.deniedBy, activeGrant(ctx, 'invoke_model', model.name, ctx.route?.name));
    const secrets = checkSecrets(ctx, engine, principal, model, publish, true);
    if (secrets.denied) grantOrRefuse(ctx, publish, secrets.request, secrets.denied, undefined, `read_secret on Secret "${secrets.secret}" (used by Model "${model.name}")`);
    else if (secrets.grants.length > 0 || secrets.wouldDeny.length > 0) {
      for (const g of secrets.grants) noteGrant(ctx, g);
      if (secrets.wouldDeny.length > 0) ctx.policyWouldDeny = [...(ctx.policyWouldDeny ?? []), ...secrets.wouldDeny];
    }
    checkFallbacks(ctx, engine, model, policyRequest, publish);
  };
}
