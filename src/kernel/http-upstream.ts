import { type Dispatcher, Pool } from 'undici';
import type { CancelSignal } from './cancellation.js';
import { errorFromResponse, GatewayError, transportError } from './errors/index.js';
import { type CallDeadlines, UpstreamCall } from './upstream-call.js';

/** What the HTTP providers share for one POST to their upstream. */
export interface UpstreamPost {
  readonly dispatcher: Dispatcher;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly payload: unknown;
  readonly signal: CancelSignal;
  readonly timeouts: CallDeadlines & { readonly connectMs: number };
  /** Extracts the upstream's own message from an error body in its protocol. */
  readonly message: (text: string) => string | undefined;
}

/** The keep-alive connection pool of one HTTP Provider. */
export function createUpstreamPool(origin: string, options: { readonly maxConnections?: number; readonly connectTimeoutMs?: number }): Pool {
  return new Pool(origin, {
    connections: options.maxConnections ?? 128,
    connect: { timeout: options.connectTimeoutMs ?? 5_000 },
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  });
}

/** The error for a Provider whose API key variable is unset: names the variable, never a value. */
export function missingKeyError(provider: string, envVar: string | undefined): GatewayError {
  return new GatewayError(
    'GW_PROVIDER_MISCONFIGURED',
    `Provider "${provider}" reads its API key from the environment variable ${envVar}, which is not set. The platform team must set it and restart Gantry.`,
  );
}

/**
 * POSTs JSON to the upstream with precise deadlines and cancellation, and maps failures to the
 * catalogue. Resolves once a 2xx status and headers arrived; the caller reads the body and must
 * call `call.done()` when finished with it.
 */
export async function postToUpstream(p: UpstreamPost): Promise<{ response: Dispatcher.ResponseData; call: UpstreamCall }> {
  if (p.signal.aborted) throw p.signal.reason;
  const call = new UpstreamCall(p.signal, p.timeouts);
  try {
    const response = await p.dispatcher.request({
      path: p.path,
      method: 'POST',
      headers: p.headers,
      body: JSON.stringify(p.payload),
      signal: call,
      // Backstops only; the precise deadlines are the call's native timers.
      headersTimeout: p.timeouts.headersMs + 1_000,
      bodyTimeout: p.timeouts.bodyIdleMs + 1_000,
    });
    if (response.statusCode >= 400) throw await errorFromResponse(response.statusCode, response.headers, response.body, Date.now(), p.message);
    return { response, call };
  } catch (err) {
    call.done();
    throw transportError(err, 'request', p.timeouts, call);
  }
}

/** Reads a whole 2xx JSON body under the call's idle deadline; a body that is not JSON is an upstream error. */
export async function readJsonBody(response: Dispatcher.ResponseData, call: UpstreamCall, timeouts: UpstreamPost['timeouts']): Promise<unknown> {
  try {
    call.touch();
    return await response.body.json();
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new GatewayError('GW_UPSTREAM_ERROR', 'The upstream answered 2xx with a body that is not valid JSON.', { cause: err });
    }
    throw transportError(err, 'body', timeouts, call);
  } finally {
    call.done();
  }
}

/**
 * Some servers answer an error (or a whole completion) as JSON even to a stream request: that is an
 * upstream error, not a stream to parse. Checked synchronously, so a real stream pays no extra hop.
 */
export function answeredJsonToStream(response: Dispatcher.ResponseData): boolean {
  return String(response.headers['content-type'] ?? '').includes('application/json');
}

/** The error for a JSON answer to a stream request, with the upstream's own message. */
export async function jsonInsteadOfStreamError(response: Dispatcher.ResponseData, call: UpstreamCall, message: (text: string) => string | undefined): Promise<GatewayError> {
  const text = await response.body.text().catch(() => '');
  call.done();
  return new GatewayError('GW_UPSTREAM_ERROR', `The upstream answered a stream request with JSON: ${message(text) ?? 'empty body'}`);
}
