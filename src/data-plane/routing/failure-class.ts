import { isGatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletion } from '../../kernel/wire/openai.js';
import type { CompiledRouting } from '../snapshot.js';

/**
 * What a failed call means for the next one:
 * - `retry`: a transient fault of this deployment (connect error, timeout, 429, 5xx, a stream cut
 *   before its first chunk) — again on the same deployment with backoff, then fail over;
 * - `failover`: this deployment cannot serve it (bad credentials, or the request is too long or was
 *   refused by a content filter here, which another deployment or model may accept);
 * - `fatal`: no other call would help (the request is wrong, the client left, a Gantry bug).
 */
export type FailureAction = 'retry' | 'failover' | 'fatal';

/** Which `fallbackOn` entry allows moving on after this failure. */
export type FailureReason = 'error' | 'context_window' | 'content_filter';

export interface Failure {
  readonly action: FailureAction;
  readonly reason: FailureReason;
  /** The deployment is at fault (its breaker counts it); false when the request was (400s, refusals). */
  readonly unhealthy: boolean;
}

const CONTEXT_CODES = new Set(['context_length_exceeded', 'string_above_max_length']);
const CONTEXT_WORDS = /context_length_exceeded|maximum context length|prompt is too long|context window|context length/i;
const FILTER_CODES = new Set(['content_filter', 'content_policy_violation']);
const FILTER_WORDS = /content_filter|content_policy_violation|content management policy|content filter/i;

const RETRYABLE = new Set(['GW_UPSTREAM_UNREACHABLE', 'GW_UPSTREAM_TIMEOUT', 'GW_UPSTREAM_RATE_LIMITED', 'GW_UPSTREAM_ERROR', 'GW_UPSTREAM_STREAM_INTERRUPTED']);
/** The deployment is misconfigured: another one may be fine, retrying this one is not. */
const DEPLOYMENT_BROKEN = new Set(['GW_UPSTREAM_AUTH', 'GW_PROVIDER_MISCONFIGURED', 'GW_SECRET_UNAVAILABLE']);

const FATAL: Failure = { action: 'fatal', reason: 'error', unhealthy: false };

/** Classifies an error thrown by a provider call. `aborted`: the client left (or Gantry is draining). */
export function classifyFailure(err: unknown, aborted: boolean): Failure {
  if (aborted || !isGatewayError(err)) return FATAL;
  if (RETRYABLE.has(err.code)) return { action: 'retry', reason: 'error', unhealthy: true };
  if (DEPLOYMENT_BROKEN.has(err.code)) return { action: 'failover', reason: 'error', unhealthy: true };
  if (err.code !== 'GW_UPSTREAM_REJECTED') return FATAL;
  const status = err.upstreamStatus;
  const code = err.upstreamCode;
  if ((code !== undefined && CONTEXT_CODES.has(code)) || ((status === 400 || status === 413) && CONTEXT_WORDS.test(err.message))) {
    return { action: 'failover', reason: 'context_window', unhealthy: false };
  }
  if ((code !== undefined && FILTER_CODES.has(code)) || (status === 400 && FILTER_WORDS.test(err.message))) {
    return { action: 'failover', reason: 'content_filter', unhealthy: false };
  }
  return FATAL;
}

/** A completion the provider's content filter refused (answered, but with nothing to show). */
export function isContentFiltered(completion: ChatCompletion): boolean {
  return completion.choices.length > 0 && completion.choices.every((c) => c.finish_reason === 'content_filter');
}

/** Whether the model's `routing.fallbackOn` lets this failure move to another deployment or model. */
export function mayFailOver(reason: FailureReason, fallbackOn: CompiledRouting['fallbackOn']): boolean {
  if (reason === 'context_window') return fallbackOn.contextWindow;
  if (reason === 'content_filter') return fallbackOn.contentFilter;
  return fallbackOn.error;
}
