import type { CancelSignal } from '../../kernel/cancellation.js';
import { GatewayError, upstreamStatusError } from '../../kernel/errors/index.js';
import type { FaultKnobs, Timeouts } from '../contract.js';
import type { Rng } from './random.js';

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: CancelSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: CancelSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/** The decision for one call: speeds, an injected delay and an injected error, if any. */
export interface CallPlan {
  readonly ttftMs: number;
  readonly tokensPerSecond: number;
  readonly spikeMs: number;
  readonly error: GatewayError | undefined;
  readonly cutAfterChunks: number | undefined;
  /** Answer with an empty, content-filtered reply (faults.contentFilterRate). */
  readonly contentFilter: boolean;
}

export function planCall(
  profile: { ttftMs: number; tokensPerSecond: number },
  faults: FaultKnobs | undefined,
  instant: boolean,
  faultRng: Rng,
): CallPlan {
  // Explicit per-deployment speeds win over instant mode: tests pace streams on purpose.
  const ttftMs = faults?.ttftMs ?? (instant ? 0 : profile.ttftMs);
  const tokensPerSecond = faults?.tokensPerSecond ?? (instant ? 0 : profile.tokensPerSecond);
  const spike = faults?.latencySpikeRate !== undefined && faultRng.next() < faults.latencySpikeRate;
  const failing = faults?.errorRate !== undefined && faultRng.next() < faults.errorRate;
  const status = faults?.errorStatus ?? 500;
  // Sampled only when the knob is set, so the sequences of the other knobs stay as they were.
  const filtered = faults?.contentFilterRate !== undefined && faultRng.next() < faults.contentFilterRate;
  return {
    ttftMs,
    tokensPerSecond,
    spikeMs: spike ? (faults?.latencySpikeMs ?? 1000) : 0,
    error: failing ? upstreamStatusError(status, 'simulated fault (faults.errorRate)', status === 429 ? 1 : undefined) : undefined,
    cutAfterChunks: faults?.cutStreamAfterChunks,
    contentFilter: filtered,
  };
}

/** Waits `ms` before the response headers, failing like a real client would if it exceeds the header timeout. */
export async function waitForHeaders(ms: number, timeouts: Timeouts, signal: CancelSignal): Promise<void> {
  if (ms > timeouts.headersMs) {
    await sleep(timeouts.headersMs, signal);
    throw new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream provider sent no response headers within ${timeouts.headersMs} ms.`);
  }
  if (ms > 0) await sleep(ms, signal);
}

/** Waits `ms` between two body chunks, failing if it exceeds the body idle timeout. */
export async function waitForChunk(ms: number, timeouts: Timeouts, signal: CancelSignal): Promise<void> {
  if (ms > timeouts.bodyIdleMs) {
    await sleep(timeouts.bodyIdleMs, signal);
    throw new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream stream was idle for more than ${timeouts.bodyIdleMs} ms.`);
  }
  if (ms >= 1) await sleep(ms, signal);
  else if (signal.aborted) throw abortReason(signal);
}

/** The 400 OpenAI answers to a prompt longer than the model's context window (faults.contextWindow). */
export function contextWindowError(promptTokens: number, faults: FaultKnobs | undefined): GatewayError | undefined {
  const window = faults?.contextWindow;
  if (window === undefined || promptTokens <= window) return undefined;
  return upstreamStatusError(
    400,
    `This model's maximum context length is ${window} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
    undefined,
    'context_length_exceeded',
  );
}
