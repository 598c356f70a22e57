import { costMicros, formatMicrosAsUsd, type Micros, type TokenPrices } from '../../kernel/money.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { requestFeatures } from '../../data-plane/routing/features.js';
import type { CompiledModel, CompiledRoute } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { toTokenPrices, type UsdPrices } from '../pricing/token-prices.js';
import type { RouteSpec } from '../resources/kinds/route.js';
import { compileRoutes } from '../snapshot/compile-routes.js';

/** One line of test/fixtures/routing/prompts.jsonl: a request and the tier it needs. */
export interface LabelledPrompt {
  readonly id: string;
  readonly label: 'simple' | 'complex';
  readonly messages: ChatCompletionRequest['messages'];
  readonly tools?: ChatCompletionRequest['tools'];
  readonly response_format?: ChatCompletionRequest['response_format'];
  readonly max_tokens?: number;
  /** Declared task (as the x-gantry-task header). */
  readonly task?: string;
}

export interface RouteEvalOptions {
  readonly route: CompiledRoute;
  /** The flagship: a prompt routed to it counts as "complex". */
  readonly complexModel: string;
  /** Price of every model the route may pick, and of the baseline. */
  readonly prices: ReadonlyMap<string, TokenPrices>;
  /** Savings are measured against sending everything here. */
  readonly baseline: string;
  /** Answers are not generated: a fixed output size per label prices them. */
  readonly outputTokens: { readonly simple: number; readonly complex: number };
}

export interface RouteEvalReport {
  readonly total: number;
  readonly accuracy: number;
  /** Of the prompts sent to the flagship, how many needed it; of those that needed it, how many got it. */
  readonly precision: number;
  readonly recall: number;
  /** [label][routed as]. */
  readonly confusion: { readonly complex: { complex: number; simple: number }; readonly simple: { complex: number; simple: number } };
  readonly routedMicros: Micros;
  readonly baselineMicros: Micros;
  readonly savingsMicros: Micros;
  readonly reasons: Readonly<Record<string, number>>;
  readonly misrouted: readonly { readonly id: string; readonly label: string; readonly model: string; readonly reason: string }[];
}

export function parsePromptSet(jsonl: string): LabelledPrompt[] {
  return jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LabelledPrompt);
}

/**
 * Routes every labelled prompt (no upstream call) and scores the decisions: accuracy, precision and
 * recall of "complex", and what the routed traffic costs against sending all of it to the baseline,
 * with input tokens estimated like the router does and a fixed output size per label.
 */
export function evaluateRoute(prompts: readonly LabelledPrompt[], o: RouteEvalOptions): RouteEvalReport {
  const confusion = { complex: { complex: 0, simple: 0 }, simple: { complex: 0, simple: 0 } };
  const reasons: Record<string, number> = {};
  const misrouted: { id: string; label: string; model: string; reason: string }[] = [];
  let routedMicros = 0;
  let baselineMicros = 0;
  for (const p of prompts) {
    const request: ChatCompletionRequest = { model: o.route.name, messages: p.messages, tools: p.tools, response_format: p.response_format, max_tokens: p.max_tokens };
    const features = requestFeatures(request, { headers: p.task ? { 'x-gantry-task': p.task } : {}, principal: undefined, attribution: undefined });
    const decision = o.route.decide(features, undefined);
    const routed = decision.model === o.complexModel ? 'complex' : 'simple';
    confusion[p.label][routed]++;
    const reasonKind = decision.reason.startsWith('complexity:') ? 'complexity' : decision.reason;
    reasons[reasonKind] = (reasons[reasonKind] ?? 0) + 1;
    if (routed !== p.label) misrouted.push({ id: p.id, label: p.label, model: decision.model, reason: decision.reason });
    const tokens = { inputTokens: features.promptTokens, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: o.outputTokens[p.label] };
    routedMicros += costMicros(tokens, priceOf(o.prices, decision.model));
    baselineMicros += costMicros(tokens, priceOf(o.prices, o.baseline));
  }
  const tp = confusion.complex.complex;
  const total = prompts.length;
  return {
    total,
    accuracy: total === 0 ? 0 : (tp + confusion.simple.simple) / total,
    precision: tp + confusion.simple.complex === 0 ? 0 : tp / (tp + confusion.simple.complex),
    recall: tp + confusion.complex.simple === 0 ? 0 : tp / (tp + confusion.complex.simple),
    confusion,
    routedMicros,
    baselineMicros,
    savingsMicros: baselineMicros - routedMicros,
    reasons,
    misrouted,
  };
}

function priceOf(prices: ReadonlyMap<string, TokenPrices>, model: string): TokenPrices {
  const p = prices.get(model);
  if (!p) throw new Error(`no price for model "${model}"`);
  return p;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The report `npm run routing:eval` prints. */
export function formatRouteEval(r: RouteEvalReport, o: RouteEvalOptions): string {
  const c = r.confusion;
  const lines = [
    `Route "${o.route.name}" on ${r.total} labelled prompts (flagship: ${o.complexModel}, baseline: ${o.baseline})`,
    '',
    `accuracy            ${pct(r.accuracy)}`,
    `complex precision   ${pct(r.precision)}`,
    `complex recall      ${pct(r.recall)}`,
    '',
    'confusion (rows: label, columns: routed as)',
    '                 complex  simple',
    `  complex        ${String(c.complex.complex).padStart(7)}  ${String(c.complex.simple).padStart(6)}`,
    `  simple         ${String(c.simple.complex).padStart(7)}  ${String(c.simple.simple).padStart(6)}`,
    '',
    `decided by: ${Object.entries(r.reasons)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    '',
    `cost, everything to ${o.baseline}: $${formatMicrosAsUsd(r.baselineMicros)}`,
    `cost, routed:                 $${formatMicrosAsUsd(r.routedMicros)}`,
    `savings:                      $${formatMicrosAsUsd(r.savingsMicros)} (${pct(r.baselineMicros === 0 ? 0 : r.savingsMicros / r.baselineMicros)})`,
    `(input tokens estimated as UTF-8 bytes / 4; output assumed ${o.outputTokens.simple} tokens for a simple prompt, ${o.outputTokens.complex} for a complex one)`,
  ];
  if (r.misrouted.length > 0) {
    lines.push('', 'misrouted:');
    for (const m of r.misrouted) lines.push(`  ${m.id} (${m.label}) → ${m.model} [${m.reason}]`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The evaluation set-up from configuration documents (examples/routing/gantry.yaml): the named Route
 * compiled over its Models' inline prices. Only what routing reads is built (type and pricing), not
 * whole models with providers.
 */
export function routeEvalFromDocs(docs: readonly unknown[], routeName: string, outputTokens: RouteEvalOptions['outputTokens']): RouteEvalOptions {
  type Doc = { kind?: string; metadata?: { name?: string }; spec?: Record<string, unknown> };
  const all = docs as Doc[];
  const routeDoc = all.find((d) => d.kind === 'Route' && d.metadata?.name === routeName);
  if (!routeDoc?.spec) throw new Error(`no Route "${routeName}" in the configuration`);
  const spec = routeDoc.spec as RouteSpec;
  const prices = new Map<string, TokenPrices>();
  const models = new Map<string, CompiledModel>();
  for (const d of all) {
    const name = d.metadata?.name;
    const pricing = d.spec?.pricing as UsdPrices | undefined;
    if (d.kind !== 'Model' || !name || !pricing || d.spec?.type === 'embedding') continue;
    prices.set(name, toTokenPrices(pricing));
    models.set(name, { name, type: 'chat', pricing: { free: false, prices: toTokenPrices(pricing), version: 'eval' } } as unknown as CompiledModel);
  }
  const row = { kind: 'Route', name: routeName, spec } as unknown as StoredResource;
  const route = compileRoutes([row], models).get(routeName);
  if (!route) throw new Error(`Route "${routeName}" names a model without inline pricing in the configuration`);
  const complexModel = spec.complexity?.complex ?? route.baseline;
  if (!complexModel || !route.baseline) throw new Error(`Route "${routeName}" has no flagship (complexity.complex or baseline)`);
  return { route, complexModel, prices, baseline: route.baseline, outputTokens };
}
