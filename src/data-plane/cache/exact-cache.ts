import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { ChatCompletion, ChatCompletionRequest, FinishReason } from '../../kernel/wire/openai.js';
import type { CacheStore } from '../../storage/ports/cache-store.js';
import type { RequestContext } from '../context.js';
import type { CompiledCache } from '../snapshot.js';
import { createCompletionAssembler } from './assemble.js';
import { cacheKey, cacheNamespace } from './cache-key.js';
import type { CachedAnswer, ResponseCache, StreamRecorder } from './response-cache.js';
import type { SemanticLayer, SemanticProbe } from './semantic-layer.js';

export interface ResponseCacheDeps {
  readonly store: CacheStore;
  readonly clock: Pick<Clock, 'now' | 'monotonic'>;
  readonly logger: Logger;
  /** The semantic cache (models with spec.cache.semantic); without it they use the exact cache only. */
  readonly semantic?: SemanticLayer;
}

/** What lookup decided for a request, kept until its answer is stored (or not). */
interface Decision {
  readonly key: string;
  readonly namespace: string;
  readonly cache: CompiledCache;
  /** False for `cache-control: no-cache`: the answer is stored, but nothing was read. */
  readonly read: boolean;
  /** Whether an answer cut at its output limit (finish_reason length) is this request's answer (see clientCut). */
  readonly lengthIsOwn: boolean;
  probe: SemanticProbe | undefined;
}

/** A stored answer: the completion as first served (no gantry_* usage fields) and its cost then. */
interface StoredAnswer {
  readonly completion: ChatCompletion;
  readonly costMicros: number;
}

/** Only complete answers are worth serving again (not a content-filter cut, not an error). */
const COMPLETE = new Set<FinishReason | null>(['stop', 'length', 'tool_calls']);
const WARN_EVERY_MS = 10_000;

function directives(ctx: RequestContext): { noStore: boolean; noCache: boolean } {
  const raw = ctx.headers['cache-control'];
  if (!raw) return { noStore: false, noCache: false };
  const parts = (Array.isArray(raw) ? raw.join(',') : raw).toLowerCase().split(',');
  let noStore = false;
  let noCache = false;
  for (const p of parts) {
    const d = p.trim();
    if (d === 'no-store') noStore = true;
    else if (d === 'no-cache') noCache = true;
  }
  return { noStore, noCache };
}

/**
 * Whether an answer with finish_reason `length` was cut by the client's own output limit. Without one,
 * or above the model's limit, Gantry may send a smaller cap (what a budget grant pays for, limits.ts):
 * a short answer of a nearly spent budget would be served later to the same request with money left.
 */
function clientCut(request: ChatCompletionRequest, maxOutputTokens: number): boolean {
  const limits = [request.max_tokens, request.max_completion_tokens].filter((n): n is number => typeof n === 'number');
  return limits.length > 0 && Math.max(...limits) <= maxOutputTokens;
}

function withoutGantryFields(completion: ChatCompletion): ChatCompletion {
  if (!completion.usage) return completion;
  const usage: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(completion.usage)) if (!k.startsWith('gantry_')) usage[k] = v;
  return { ...completion, usage: usage as ChatCompletion['usage'] };
}

/**
 * The exact response cache (docs/caching.md), with the semantic layer behind it for models that ask
 * for it. Per request: decide whether the cache applies (model's spec.cache, team opt-out,
 * `cache-control`, n), read the exact key, then a semantic match; after a miss, store the complete
 * answer under the key computed at lookup (the request is changed later, e.g. its output cap). A
 * store that fails is a miss or a skipped write, logged at most every 10 s: never a failed request.
 */
export function createResponseCache({ store, clock, logger, semantic }: ResponseCacheDeps): ResponseCache {
  const decisions = new WeakMap<RequestContext, Decision>();
  let lastWarn = Number.NEGATIVE_INFINITY;

  function warn(err: unknown, what: string): void {
    const at = clock.monotonic();
    if (at - lastWarn < WARN_EVERY_MS) return;
    lastWarn = at;
    logger.warn({ err, store: store.kind }, `the response cache could not ${what}; requests are served without it meanwhile (this warning repeats at most every 10 s)`);
  }

  async function read(key: string, now: number, fresh: boolean): Promise<StoredAnswer | undefined> {
    const entry = await store.get(key, now);
    if (!entry || (fresh && now >= entry.expiresAt)) return undefined;
    const stored = JSON.parse(entry.value) as StoredAnswer;
    if (!stored?.completion || !Array.isArray(stored.completion.choices) || !Number.isInteger(stored.costMicros)) throw new Error(`unreadable cache entry ${key}`);
    return stored;
  }

  /** Whether the cache applies to this request, and how; sets ctx.cache to bypass when it does not. */
  function decide(ctx: RequestContext, request: ChatCompletionRequest): Decision | undefined {
    ctx.cache = 'bypass';
    const model = ctx.model;
    const cache = model?.cache;
    if (!model || !cache || (!cache.exact && !cache.semantic)) return undefined;
    const team = ctx.principal?.team;
    if (team !== undefined && ctx.snapshot.cacheOptOutTeams.has(team)) return undefined;
    if (typeof request.n === 'number' && request.n > 1) return undefined;
    const { noStore, noCache } = directives(ctx);
    if (noStore) return undefined;
    const namespace = cacheNamespace(ctx);
    if (namespace === undefined) return undefined;
    return {
      key: cacheKey(namespace, model.name, request),
      namespace,
      cache,
      read: !noCache,
      lengthIsOwn: clientCut(request, model.limits.maxOutputTokens),
      probe: undefined,
    };
  }

  async function lookupFresh(ctx: RequestContext, request: ChatCompletionRequest): Promise<CachedAnswer | undefined> {
    const decision = decide(ctx, request);
    if (!decision) return undefined;
    decisions.set(ctx, decision);
    if (!decision.read) return undefined;
    ctx.cache = 'miss';
    const now = clock.now();
    try {
      const exact = await read(decision.key, now, true);
      if (exact) {
        ctx.cache = 'hit';
        return exact;
      }
      if (decision.cache.semantic && semantic) {
        const probe = await semantic.find(ctx, request, decision.namespace);
        decision.probe = probe;
        if (probe?.match) {
          const similar = await read(probe.match.key, now, true);
          if (similar) {
            ctx.cache = 'semantic_hit';
            return similar;
          }
        }
      }
    } catch (err) {
      warn(err, 'be read');
    }
    return undefined;
  }

  async function lookupStale(ctx: RequestContext): Promise<CachedAnswer | undefined> {
    const decision = decisions.get(ctx);
    if (!decision?.read) return undefined;
    const now = clock.now();
    try {
      const answer = (await read(decision.key, now, false)) ?? (decision.probe?.match ? await read(decision.probe.match.key, now, false) : undefined);
      if (answer) ctx.cache = 'stale_hit';
      return answer;
    } catch (err) {
      warn(err, 'be read');
      return undefined;
    }
  }

  function save(ctx: RequestContext, completion: ChatCompletion, costMicros: number): void {
    const decision = decisions.get(ctx);
    decisions.delete(ctx);
    if (!decision || ctx.abort.signal.aborted) return;
    if (ctx.cache !== 'miss' && ctx.cache !== 'bypass') return;
    // An answer of a fallback model is not this model's answer: it is not served as one later.
    if (ctx.servedModel && ctx.servedModel.name !== ctx.model?.name) return;
    if (completion.choices.length === 0 || !completion.choices.every((c) => COMPLETE.has(c.finish_reason))) return;
    if (!decision.lengthIsOwn && completion.choices.some((c) => c.finish_reason === 'length')) return;
    const ttlMs = decision.cache.exact?.ttlMs ?? decision.cache.semantic?.ttlMs ?? 0;
    if (ttlMs <= 0) return;
    const expiresAt = clock.now() + ttlMs;
    const staleUntil = expiresAt + decision.cache.staleMs;
    let value: string;
    try {
      value = JSON.stringify({ completion: withoutGantryFields(completion), costMicros: Math.max(0, Math.round(costMicros)) } satisfies StoredAnswer);
    } catch (err) {
      warn(err, 'store an answer');
      return;
    }
    const probe = decision.probe;
    store.set(decision.key, value, expiresAt, staleUntil).then(
      () => {
        if (!probe || !semantic) return;
        try {
          semantic.remember(ctx, decision.namespace, probe, decision.key, expiresAt);
        } catch (err) {
          warn(err, 'index an answer for the semantic cache');
        }
      },
      (err: unknown) => warn(err, 'store an answer'),
    );
  }

  return {
    lookup(ctx, request, mode) {
      return mode === 'fresh' ? lookupFresh(ctx, request) : lookupStale(ctx);
    },
    store(ctx, _request, completion, costMicros) {
      try {
        save(ctx, completion, costMicros);
      } catch (err) {
        warn(err, 'store an answer');
      }
    },
    recorder(ctx): StreamRecorder | undefined {
      if (!decisions.has(ctx)) return undefined;
      const assembler = createCompletionAssembler();
      let broken = false;
      return {
        chunk(chunk) {
          if (broken) return;
          try {
            assembler.add(chunk);
          } catch (err) {
            broken = true;
            warn(err, 'assemble a streamed answer');
          }
        },
        finish(costMicros) {
          if (broken) {
            decisions.delete(ctx);
            return;
          }
          try {
            const completion = assembler.completion();
            if (completion) save(ctx, completion, costMicros);
            else decisions.delete(ctx);
          } catch (err) {
            warn(err, 'store an answer');
          }
        },
      };
    },
  };
}
