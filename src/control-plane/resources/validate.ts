import type { TObject } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { parseUsdToMicros } from '../../kernel/money.js';
import { gpuPoolPricePer1M } from '../pricing/gpu-pool-price.js';
import { createFeatureEnvironment } from '../routing/cel-features.js';
import { routeProblems } from '../routing/route-rules.js';
import { validatePolicyText } from '../../policy/cedar-parse.js';
import { API_VERSION } from './common.js';
import type { AgentSpec } from './kinds/agent.js';
import type { ApiKeySpec } from './kinds/api-key.js';
import type { BudgetSpec } from './kinds/budget.js';
import type { GpuPoolSpec } from './kinds/gpu-pool.js';
import { type GuardrailSpec, guardrailProblems } from './kinds/guardrail.js';
import type { ModelSpec, PricingSpec } from './kinds/model.js';
import type { PolicySpec } from './kinds/policy.js';
import type { PriceBookSpec } from './kinds/price-book.js';
import type { ProviderSpec } from './kinds/provider.js';
import type { RateLimitSpec } from './kinds/rate-limit.js';
import type { RouteSpec } from './kinds/route.js';
import type { UserSpec } from './kinds/user.js';
import { REJECTED } from './parse.js';
import { describeDoc, isObject, type Problem } from './problems.js';
import { isKind, KIND_NAMES, KINDS, type Kind } from './registry.js';

/** A document that passed its kind's schema and rules (metadata server fields stripped). */
export interface ValidDoc {
  readonly index: number;
  readonly where: string;
  readonly kind: Kind;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: Record<string, unknown>;
}

export function createValidator() {
  const checkers = new Map<Kind, TypeCheck<TObject>>();
  for (const name of KIND_NAMES) checkers.set(name, TypeCompiler.Compile(KINDS[name].schema));
  const rulesOf = createKindRules();

  function schemaProblems(kind: Kind, doc: unknown, where: string): Problem[] {
    const seen = new Set<string>();
    const out: Problem[] = [];
    for (const err of (checkers.get(kind) as TypeCheck<TObject>).Errors(doc)) {
      const path = pointerToPath(err.path);
      if (seen.has(path)) continue;
      seen.add(path);
      let message = err.message;
      if (err.schema.description) message += ` (${err.schema.description})`;
      if (message.startsWith('Unexpected property')) message = 'unknown field (check its spelling; docs/resources.md lists the fields)';
      if (message.startsWith('Expected required property')) message = 'required';
      out.push({ document: where, path, message });
    }
    return out;
  }

  /** Validates each document on its own (schema + kind rules) and the batch (duplicates). */
  return function validateDocuments(docs: readonly unknown[]): { valid: ValidDoc[]; problems: Problem[] } {
    const problems: Problem[] = [];
    const valid: ValidDoc[] = [];
    const seen = new Map<string, string>();
    docs.forEach((input, index) => {
      if (input === REJECTED) return;
      const where = describeDoc(index, input);
      // `status` is server-managed: accepted and ignored, so `gantry get -o json|yaml` applies back.
      const doc = isObject(input) && 'status' in input ? Object.fromEntries(Object.entries(input).filter(([k]) => k !== 'status')) : input;
      if (!isObject(doc)) {
        problems.push({ document: where, path: '', message: 'expected a mapping with apiVersion, kind, metadata and spec' });
        return;
      }
      if (doc.apiVersion !== API_VERSION) {
        problems.push({ document: where, path: 'apiVersion', message: `expected "${API_VERSION}"` });
        return;
      }
      if (!isKind(doc.kind)) {
        problems.push({ document: where, path: 'kind', message: `unknown kind ${JSON.stringify(doc.kind)}; expected one of ${KIND_NAMES.join(', ')}` });
        return;
      }
      const kind = doc.kind;
      const spec = isObject(doc.spec) ? doc.spec : undefined;
      const rawName = isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : undefined;
      if (rawName !== undefined) {
        const first = seen.get(`${kind}/${rawName}`);
        if (first) problems.push({ document: where, path: 'metadata.name', message: `${kind} "${rawName}" is also defined in ${first}` });
        else seen.set(`${kind}/${rawName}`, where);
      }
      if (kind === 'Provider' && spec && typeof spec.apiKey === 'string') {
        problems.push({
          document: where,
          path: 'spec.apiKey',
          message: 'secrets never go in a resource; reference an environment variable: apiKey: {fromEnv: OPENAI_API_KEY}',
        });
        return;
      }
      const found = schemaProblems(kind, doc, where);
      if (found.length === 0) found.push(...rulesOf(kind, spec ?? {}, where));
      if (found.length > 0) {
        problems.push(...found);
        return;
      }
      const meta = doc.metadata as { name: string; labels?: Record<string, string> };
      valid.push({ index, where, kind, name: meta.name, labels: meta.labels ?? {}, spec: (spec ?? {}) as Record<string, unknown> });
    });
    return { valid, problems };
  };
}

export type ValidateDocuments = ReturnType<typeof createValidator>;

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg}`))
    .join('')
    .replace(/^\./, '');
}

/** Kind rules need a CEL environment (Route rules), made once per validator. */
function createKindRules() {
  const cel = createFeatureEnvironment();
  return (kind: Kind, spec: Record<string, unknown>, where: string): Problem[] => {
    if (kind === 'Route') return routeProblems(spec as RouteSpec, cel).map(([path, message]) => ({ document: where, path, message }));
    if (kind === 'Policy') return policyProblems(spec as PolicySpec, where);
    return kindRules(kind, spec, where);
  };
}

/** Cedar's own messages, positioned in spec.policy (`line 3:10`), with its hint. */
function policyProblems(spec: PolicySpec, where: string): Problem[] {
  // The resource name (for policy ids in messages) is the quoted part of describeDoc's `where`.
  const name = /"([^"]+)"/.exec(where)?.[1] ?? 'policy';
  return validatePolicyText(name, spec.policy).map((p) => ({
    document: where,
    path: 'spec.policy',
    message: `${p.line > 0 ? `line ${p.line}:${p.column}: ` : ''}${p.policy ? `policy "${p.policy}": ` : ''}${p.message}${p.help ? ` (hint: ${p.help})` : ''}`,
  }));
}

function kindRules(kind: Kind, spec: Record<string, unknown>, where: string): Problem[] {
  const p = (path: string, message: string): Problem => ({ document: where, path, message });
  switch (kind) {
    case 'Provider': {
      const s = spec as ProviderSpec;
      return s.type === 'openai-compatible' && s.baseUrl === undefined ? [p('spec.baseUrl', 'required for type openai-compatible')] : [];
    }
    case 'Model':
      return modelRules(spec as ModelSpec).map(([path, message]) => p(path, message));
    case 'ApiKey': {
      const s = spec as ApiKeySpec;
      if (s.expiresAt !== undefined && !isRealDate(s.expiresAt)) return [p('spec.expiresAt', 'not a valid date-time (no such day or time)')];
      if (s.agent && s.agents) return [p('spec.agents', 'a key that belongs to an agent (spec.agent) acts only for that agent; remove spec.agents')];
      return [];
    }
    case 'User': {
      const teams = (spec as UserSpec).teams ?? [];
      const dup = teams.findIndex((t, i) => teams.findIndex((u) => u.team === t.team) !== i);
      return dup === -1 ? [] : [p(`spec.teams[${dup}].team`, `team "${teams[dup]?.team}" is listed twice; one role per team`)];
    }
    case 'Agent': {
      const s = spec as AgentSpec;
      return s.sponsor === '' ? [p('spec.sponsor', 'must not be empty')] : [];
    }
    case 'Budget':
      return budgetRules(spec as BudgetSpec).map(([path, message]) => p(path, message));
    case 'Guardrail':
      return guardrailProblems(spec as GuardrailSpec).map(([path, message]) => p(path, message));
    case 'RateLimit': {
      const s = spec as RateLimitSpec;
      if (s.requestsPerMinute === undefined && s.tokensPerMinute === undefined && s.concurrent === undefined) {
        return [p('spec', 'set at least one limit: requestsPerMinute, tokensPerMinute or concurrent')];
      }
      return [];
    }
    case 'PriceBook': {
      const prices = (spec as PriceBookSpec).prices;
      const first = new Map<string, number>();
      const out: Problem[] = [];
      prices.forEach((e, i) => {
        const earlier = first.get(e.model);
        if (earlier === undefined) first.set(e.model, i);
        else out.push(p(`spec.prices[${i}].model`, `"${e.model}" is already priced by spec.prices[${earlier}]; one entry per model`));
      });
      return out.slice(0, 20);
    }
    case 'GpuPool': {
      const s = spec as GpuPoolSpec;
      if (parseUsdToMicros(s.costPerGpuHourUsd) === 0) return [p('spec.costPerGpuHourUsd', 'must be more than 0 (a model that costs nothing sets pricing: {free: true})')];
      const per1M = gpuPoolPricePer1M(s);
      if (!Number.isSafeInteger(per1M)) return [p('spec.tokensPerSecond', 'the price per 1M tokens this gives is too large; check tokensPerSecond (the whole pool, per second)')];
      return [];
    }
    default:
      return [];
  }
}

function budgetRules(spec: BudgetSpec): [string, string][] {
  const out: [string, string][] = [];
  if (parseUsdToMicros(spec.limitUsd) === 0) out.push(['spec.limitUsd', 'must be more than 0 (e.g. "50.00")']);
  const alerts = spec.alerts ?? [];
  const bad = alerts.findIndex((a, i) => i > 0 && a <= (alerts[i - 1] as number));
  if (bad !== -1) out.push([`spec.alerts[${bad}]`, `alert thresholds must be ascending without repeats (percent of the limit, e.g. [50, 80, 100]); ${alerts[bad]} follows ${alerts[bad - 1]}`]);
  return out;
}

/** Date.parse rolls 2027-02-31 over to March 3rd; a real date survives the round trip. */
function isRealDate(value: string): boolean {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return false;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(y as number, (m as number) - 1, d as number));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === (m as number) - 1 && probe.getUTCDate() === d;
}

function modelRules(spec: ModelSpec): [string, string][] {
  const out: [string, string][] = [];
  if (spec.deployments && spec.provider) out.push(['spec.provider', 'use either spec.provider or spec.deployments, not both']);
  else if (!spec.deployments && !spec.provider) out.push(['spec.provider', 'required (or list spec.deployments)']);
  if (spec.pricing) for (const m of pricingProblems(spec.pricing, spec.type ?? 'chat')) out.push(['spec.pricing', m]);
  // The id (compile-model.ts) keys the circuit breaker, x-gantry-route and the admin API: one per deployment.
  const ids = new Map<string, number>();
  (spec.deployments ?? []).forEach((d, i) => {
    const id = d.name ?? `${d.provider}/${d.upstreamModel ?? spec.upstreamModel ?? '(the model name)'}`;
    const earlier = ids.get(id);
    if (earlier === undefined) ids.set(id, i);
    else out.push([`spec.deployments[${i}]`, `has the same id "${id}" as spec.deployments[${earlier}]; give one of them a name (deployments are told apart by it)`]);
  });
  (spec.deployments ?? []).forEach((d, i) => {
    if (d.pricing) for (const m of pricingProblems(d.pricing, spec.type ?? 'chat')) out.push([`spec.deployments[${i}].pricing`, m]);
  });
  const routing = spec.routing;
  if (routing?.whenAllDown === 'cache' && !spec.cache?.exact && !spec.cache?.semantic) {
    out.push(['spec.routing.whenAllDown', '"cache" serves cached answers, but the model has no spec.cache (add cache: {exact: {ttlSeconds: …}})']);
  }
  if (routing?.whenAllDown === 'fallback' && !routing.fallbacks?.length) {
    out.push(['spec.routing.whenAllDown', '"fallback" needs spec.routing.fallbacks (the models to serve from)']);
  }
  if (routing?.retries?.backoffMs !== undefined && routing.retries.maxBackoffMs !== undefined && routing.retries.backoffMs > routing.retries.maxBackoffMs) {
    out.push(['spec.routing.retries.backoffMs', `${routing.retries.backoffMs} is more than maxBackoffMs (${routing.retries.maxBackoffMs})`]);
  }
  const limits = spec.limits;
  if (limits?.maxOutputTokens !== undefined && limits.contextWindow !== undefined && limits.maxOutputTokens > limits.contextWindow) {
    out.push(['spec.limits.maxOutputTokens', `${limits.maxOutputTokens} is more than the context window (${limits.contextWindow})`]);
  }
  return out;
}

function pricingProblems(pricing: PricingSpec, type: 'chat' | 'embedding'): string[] {
  if (pricing.free) {
    const extra = Object.keys(pricing).filter((k) => k !== 'free');
    return extra.length > 0 ? [`"free: true" cannot be combined with prices (${extra.join(', ')})`] : [];
  }
  const problems: string[] = [];
  if (pricing.inputPer1M === undefined) problems.push('inputPer1M is required (or set "free: true")');
  if (type === 'chat' && pricing.outputPer1M === undefined) problems.push('outputPer1M is required for a chat model');
  for (const [k, v] of Object.entries(pricing)) {
    if (typeof v === 'string' && parseUsdToMicros(v) === undefined) problems.push(`${k}: "${v}" is not a USD amount`);
  }
  return problems;
}
