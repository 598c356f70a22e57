import { costMicros } from '../../kernel/money.js';
import type { ChatCompletionRequest, EmbeddingRequest } from '../../kernel/wire/openai.js';
import type { CompiledDeployment, CompiledModel } from '../snapshot.js';
import type { HealthView } from './deployment-health.js';
import { pickByWeight, weightedDraw } from './weighted-pick.js';

/** What a request needs from a deployment (the cost strategy serves it from the cheapest that has it). */
export interface RequestNeeds {
  /** Rough prompt size (4 characters a token): enough to rule out windows far too small. */
  readonly promptTokens: number;
  /** Output the client asked for (0: not said). */
  readonly maxTokens: number;
  readonly tools: boolean;
  readonly images: boolean;
  readonly jsonMode: boolean;
}

export interface OrderInput {
  readonly model: CompiledModel;
  /** Streams are ranked by time to first token, other calls by latency (least-latency). */
  readonly stream: boolean;
  /** Computed only by the strategies that read it (cost). */
  readonly needs: () => RequestNeeds;
  /** Run or API key id the weighted pick is sticky on (undefined: random). */
  readonly stickyKey: string | undefined;
  readonly health: HealthView;
  /** Uniform in [0, 1); injected so tests can fix the seed. */
  readonly rng: () => number;
}

const CHARS_PER_TOKEN = 4;
const IMAGE_TOKENS = 1_000;
/** Output assumed for pricing when the client sets no limit. */
const DEFAULT_OUTPUT_TOKENS = 256;

export function chatNeeds(request: ChatCompletionRequest): RequestNeeds {
  let chars = 0;
  let images = 0;
  for (const m of request.messages) {
    if (typeof m.content === 'string') chars += m.content.length;
    else if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === 'image_url') images++;
        else {
          const text = (part as { text?: unknown }).text;
          if (typeof text === 'string') chars += text.length;
        }
      }
    }
  }
  const tools = request.tools !== undefined && request.tools.length > 0;
  if (tools) chars += JSON.stringify(request.tools).length;
  const max = request.max_completion_tokens ?? request.max_tokens;
  const format = request.response_format?.type;
  return {
    promptTokens: Math.ceil(chars / CHARS_PER_TOKEN) + images * IMAGE_TOKENS,
    maxTokens: typeof max === 'number' && max > 0 ? max : 0,
    tools,
    images: images > 0,
    jsonMode: format === 'json_object' || format === 'json_schema',
  };
}

export function embeddingNeeds(request: EmbeddingRequest): RequestNeeds {
  const input = request.input;
  // Token-array inputs count their tokens (as characters, 4 a token).
  const size = (x: string | number | number[]): number => (typeof x === 'string' ? x.length : typeof x === 'number' ? CHARS_PER_TOKEN : x.length * CHARS_PER_TOKEN);
  const chars = typeof input === 'string' ? input.length : (input as (string | number | number[])[]).reduce<number>((n, x) => n + size(x), 0);
  return { promptTokens: Math.ceil(chars / CHARS_PER_TOKEN), maxTokens: 0, tools: false, images: false, jsonMode: false };
}

/**
 * The deployments of a model in the order to try them for one request, by the model's strategy;
 * deployments whose breaker refuses calls are left out. Pure (health and randomness are inputs).
 */
export function orderDeployments(input: OrderInput): CompiledDeployment[] {
  const { model, health } = input;
  // Compiled deployments are sorted by priority: every strategy breaks ties by it (stable sorts).
  const open = model.deployments.filter((d) => health.available(model.name, d.target.id));
  switch (model.routing.strategy) {
    case 'priority':
      return open;
    case 'weighted':
      return weighted(input, open);
    case 'least-latency':
      return leastLatency(input, open);
    case 'least-busy':
      return [...open].sort((a, b) => inFlight(input, a) - inFlight(input, b));
    case 'cost':
      return cheapestFirst(input.needs(), open);
  }
}

/**
 * One deployment picked by weight first (canary splits), the rest by priority as fallbacks. The
 * pick is made over every weighted deployment, healthy or not, so a sticky run keeps its deployment
 * while others come and go; when the pick is down, the same draw picks among the healthy ones.
 */
function weighted(input: OrderInput, open: CompiledDeployment[]): CompiledDeployment[] {
  const draw = weightedDraw(input.model.name, input.stickyKey, input.rng);
  const pick = pickByWeight(input.model.deployments, draw);
  const first = pick && open.includes(pick) ? pick : pickByWeight(open, draw);
  if (!first) return open;
  return [first, ...open.filter((d) => d !== first)];
}

function inFlight(input: OrderInput, d: CompiledDeployment): number {
  return input.health.stats(input.model.name, d.target.id)?.inFlight ?? 0;
}

/** Deployments never measured go first (so they get measured), then the fastest by EWMA. */
function leastLatency(input: OrderInput, open: CompiledDeployment[]): CompiledDeployment[] {
  const latency = (d: CompiledDeployment): number => {
    const s = input.health.stats(input.model.name, d.target.id);
    const value = input.stream ? (s?.ewmaTtftMs ?? s?.ewmaLatencyMs) : (s?.ewmaLatencyMs ?? s?.ewmaTtftMs);
    return value ?? Number.NEGATIVE_INFINITY;
  };
  return [...open].sort((a, b) => {
    const la = latency(a);
    const lb = latency(b);
    return la === lb ? 0 : la < lb ? -1 : 1;
  });
}

export function meetsNeeds(d: CompiledDeployment, needs: RequestNeeds): boolean {
  const c = d.capabilities;
  if ((needs.tools && !c.tools) || (needs.images && !c.vision) || (needs.jsonMode && !c.jsonMode)) return false;
  const window = d.limits.contextWindow;
  return window === undefined || window >= needs.promptTokens + needs.maxTokens;
}

/** Price of the request on a deployment, micro-USD (unpriced: never cheapest). */
export function estimatedCost(d: CompiledDeployment, needs: RequestNeeds): number {
  const pricing = d.pricing;
  if (!pricing) return Number.POSITIVE_INFINITY;
  if (pricing.free) return 0;
  const output = Math.min(needs.maxTokens || DEFAULT_OUTPUT_TOKENS, d.limits.maxOutputTokens);
  return costMicros({ inputTokens: needs.promptTokens, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: output }, pricing.prices);
}

/**
 * The cheapest deployments that can serve the request, cheapest first; the ones that lack
 * something it needs stay last (by priority) rather than failing the request outright.
 */
function cheapestFirst(needs: RequestNeeds, open: CompiledDeployment[]): CompiledDeployment[] {
  const fit: { d: CompiledDeployment; cost: number }[] = [];
  const unfit: CompiledDeployment[] = [];
  for (const d of open) {
    if (meetsNeeds(d, needs)) fit.push({ d, cost: estimatedCost(d, needs) });
    else unfit.push(d);
  }
  fit.sort((a, b) => (a.cost === b.cost ? 0 : a.cost < b.cost ? -1 : 1));
  return [...fit.map((f) => f.d), ...unfit];
}
