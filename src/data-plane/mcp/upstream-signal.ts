import type { CancelSignal } from '../../kernel/cancellation.js';
import { GatewayError } from '../../kernel/errors/index.js';

const CLIENT_GONE = () => new GatewayError('GW_REQUEST_INVALID', 'The client closed the connection.');

/**
 * Runs one upstream call with an AbortSignal that aborts when the request does (client gone,
 * shutdown) or after `timeoutMs` with `onTimeout()`. Settles with the call, or with the abort reason as
 * soon as the signal aborts, whatever the upstream does with it (an upstream that ignores the signal
 * cannot hold the request past the timeout, and its own abort error never hides why it was aborted).
 */
export async function raceUpstream<T>(request: CancelSignal, timeoutMs: number, onTimeout: () => GatewayError, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  // Gone already: the upstream is not even asked (an answer it gave at once would otherwise win the race).
  if (request.aborted) throw request.reason instanceof GatewayError ? request.reason : CLIENT_GONE();
  const controller = new AbortController();
  let fail: (err: GatewayError) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    fail = reject;
  });
  const abort = (reason: GatewayError) => {
    if (controller.signal.aborted) return;
    // Rejected before the upstream hears of it, so the race settles with this reason.
    fail(reason);
    controller.abort(reason);
  };
  const onRequestAbort = () => abort(request.reason instanceof GatewayError ? request.reason : CLIENT_GONE());
  request.addEventListener('abort', onRequestAbort);
  const timer = setTimeout(() => abort(onTimeout()), timeoutMs);
  timer.unref();
  try {
    return await Promise.race([call(controller.signal), aborted]);
  } catch (err) {
    throw controller.signal.aborted ? controller.signal.reason : err;
  } finally {
    clearTimeout(timer);
    request.removeEventListener('abort', onRequestAbort);
  }
}
