import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';

/** A cached answer: the completion as first served, and what it cost then (a hit's saving). */
export interface CachedAnswer {
  readonly completion: ChatCompletion;
  readonly costMicros: number;
}

/** Collects a streamed miss so the assembled answer can be stored when the stream completes. */
export interface StreamRecorder {
  chunk(chunk: ChatCompletionChunk): void;
  /** The stream completed normally: store the answer (asynchronously; never throws). */
  finish(costMicros: number): void;
}

/**
 * The response cache as the chat server sees it (docs/caching.md). Decides per request whether the
 * cache applies (model's spec.cache, team opt-out, `cache-control: no-store|no-cache`, n, stream),
 * sets ctx.cache (hit | semantic_hit | stale_hit | miss | bypass) and never lets a store failure
 * fail a request.
 */
export interface ResponseCache {
  /** `stale`: the model is down (whenAllDown: cache): expired answers within staleSeconds count. */
  lookup(ctx: RequestContext, request: ChatCompletionRequest, mode: 'fresh' | 'stale'): Promise<CachedAnswer | undefined>;
  /** Stores a complete non-stream answer after a miss (asynchronously; never throws). */
  store(ctx: RequestContext, request: ChatCompletionRequest, completion: ChatCompletion, costMicros: number): void;
  recorder(ctx: RequestContext, request: ChatCompletionRequest): StreamRecorder | undefined;
}

/** No cache at all (every request is a bypass). */
export const NO_CACHE: ResponseCache = {
  lookup: async () => undefined,
  store: () => {},
  recorder: () => undefined,
};
