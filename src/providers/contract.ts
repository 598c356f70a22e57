import type { CancelSignal } from '../kernel/cancellation.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../kernel/wire/openai.js';

/**
 * The contract every provider implements. Requests and responses use the OpenAI wire shapes (the
 * internal lingua franca); a provider speaking another protocol translates inside its folder.
 * Providers import only `kernel` and this file.
 *
 * Errors: a provider throws `GatewayError` (kernel/errors) with the right GW_* code:
 * GW_UPSTREAM_TIMEOUT, GW_UPSTREAM_ERROR (5xx, with upstreamStatus), GW_UPSTREAM_UNREACHABLE,
 * GW_UPSTREAM_RATE_LIMITED (429, with retryAfter), GW_UPSTREAM_REJECTED (other 4xx, status kept),
 * GW_UPSTREAM_AUTH (401/403), GW_UPSTREAM_STREAM_INTERRUPTED (a stream cut after it started).
 */

export interface Timeouts {
  /** Max time to open a TCP/TLS connection. */
  readonly connectMs: number;
  /** Max time from sending the request to receiving response headers. */
  readonly headersMs: number;
  /** Max idle time between two body chunks (streams included). */
  readonly bodyIdleMs: number;
}

/**
 * Fault injection for tests and demos, set per Model deployment in gantry.yaml. Only the simulator
 * honours them; real providers ignore them.
 */
export interface FaultKnobs {
  /** Fraction 0..1 of requests answered with `errorStatus`. */
  readonly errorRate?: number;
  /** HTTP status of injected errors (default 500). */
  readonly errorStatus?: number;
  /** Fraction 0..1 of requests delayed by `latencySpikeMs` before answering. */
  readonly latencySpikeRate?: number;
  readonly latencySpikeMs?: number;
  /** Cut the stream (no final chunk, no [DONE]) after this many content chunks. */
  readonly cutStreamAfterChunks?: number;
  /** Override the model's time to first token, ms. */
  readonly ttftMs?: number;
  /** Override the model's generation speed, tokens per second. */
  readonly tokensPerSecond?: number;
  /** Fraction 0..1 of chat requests refused by a simulated content filter (empty answer, finish_reason "content_filter"). */
  readonly contentFilterRate?: number;
  /** Prompts of more tokens are rejected with a 400 `context_length_exceeded`, like OpenAI. */
  readonly contextWindow?: number;
}

/** One deployment of a public model on a provider: what the provider needs per call. */
export interface DeploymentTarget {
  /** "<provider>/<upstream model>", reported in x-gantry-route. */
  readonly id: string;
  readonly provider: string;
  /** The model name the upstream knows. */
  readonly upstreamModel: string;
  readonly timeouts: Timeouts;
  readonly faults: FaultKnobs | undefined;
}

export interface ProviderCallContext {
  readonly requestId: string;
  readonly deployment: DeploymentTarget;
  /** Aborted when the client disconnects or Gantry gives up; the provider must stop the upstream call. */
  readonly signal: CancelSignal;
}

/**
 * A started stream. `chatStream` resolves once the upstream accepted the request (status and headers
 * received), so errors before the first byte are thrown there and can be answered with a proper
 * status. Iterating yields chunks; `return()` (break) or the signal stops it and frees the connection.
 * When the client asked for usage, the last chunk before the end carries `usage`; providers should
 * always ask their upstream for usage (e.g. stream_options.include_usage) so the data plane can meter.
 */
export type ChatChunkStream = AsyncIterable<ChatCompletionChunk>;

export interface Provider {
  /** Provider resource name (metadata.name). */
  readonly name: string;
  /** Wire protocol: "simulator", "openai-compatible", later "anthropic". */
  readonly type: string;
  chat(request: ChatCompletionRequest, ctx: ProviderCallContext): Promise<ChatCompletion>;
  chatStream(request: ChatCompletionRequest, ctx: ProviderCallContext): Promise<ChatChunkStream>;
  embeddings(request: EmbeddingRequest, ctx: ProviderCallContext): Promise<EmbeddingResponse>;
  /** Closes connection pools and timers. */
  close(): Promise<void>;
}
