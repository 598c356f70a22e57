import { GatewayError } from './gateway-error.js';

/** Parses a `retry-after` header (seconds or HTTP date) into whole seconds, if present and sane. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/**
 * Maps an upstream HTTP error status to the catalogue: the one table every provider uses, so a
 * simulated fault and a real upstream failure look the same to clients, metrics and the ledger.
 */
export function upstreamStatusError(status: number, detail: string | undefined, retryAfter?: number, upstreamCode?: string): GatewayError {
  const said = detail ? `: ${detail}` : '';
  if (status === 429) {
    return new GatewayError('GW_UPSTREAM_RATE_LIMITED', `The upstream provider is rate limiting requests (429)${said}. Retry later.`, {
      upstreamStatus: status,
      retryAfter,
    });
  }
  if (status === 401 || status === 403) {
    return new GatewayError(
      'GW_UPSTREAM_AUTH',
      `The upstream provider refused Gantry's credentials (${status})${said}. The platform team must fix the Provider's apiKey.`,
      { upstreamStatus: status },
    );
  }
  if (status === 408 || status === 504) {
    return new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream provider timed out (${status})${said}.`, { upstreamStatus: status });
  }
  if (status >= 400 && status < 500) {
    // The caller's request was refused upstream: keep the status so the client can act on it.
    return new GatewayError('GW_UPSTREAM_REJECTED', `The upstream provider rejected the request (${status})${said}`, {
      status,
      upstreamStatus: status,
      upstreamCode,
    });
  }
  return new GatewayError('GW_UPSTREAM_ERROR', `The upstream provider failed with status ${status}${said}.`, { upstreamStatus: status });
}
