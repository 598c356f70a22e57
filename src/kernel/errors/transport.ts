import { GatewayError, isGatewayError } from './gateway-error.js';
import { parseRetryAfter, upstreamStatusError } from './upstream.js';

const MAX_ERROR_BODY = 16 * 1024;

/**
 * Reads an upstream error body (bounded) and maps the status through the shared table; `message`
 * extracts the upstream's own words from its protocol's error shape.
 */
export async function errorFromResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: { text(): Promise<string> },
  nowMs: number,
  message: (text: string) => string | undefined,
): Promise<GatewayError> {
  let text = '';
  try {
    text = (await body.text()).slice(0, MAX_ERROR_BODY);
  } catch {
    // an unreadable error body still yields the status
  }
  const retry = headers['retry-after'];
  return upstreamStatusError(status, message(text), parseRetryAfter(Array.isArray(retry) ? retry[0] : retry, nowMs), upstreamErrorCode(text));
}

/**
 * The upstream's machine-readable error code, when its body has one (OpenAI and Azure:
 * `error.code`, e.g. `context_length_exceeded`, `content_filter`): failover decisions read it.
 */
export function upstreamErrorCode(text: string): string | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const body = JSON.parse(trimmed) as { error?: { code?: unknown } };
    const code = typeof body.error === 'object' && body.error !== null ? body.error.code : undefined;
    return typeof code === 'string' && code.length <= 100 ? code : undefined;
  } catch {
    return undefined;
  }
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; errors?: unknown[]; cause?: unknown };
  if (typeof e.code === 'string') return e.code;
  if (Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0]);
  return e.cause ? codeOf(e.cause) : undefined;
}

/**
 * Maps a transport failure (undici / socket errors) to the catalogue. `phase` tells whether the
 * response had started: a failure mid-stream is an interruption, not an unreachable upstream.
 */
export function transportError(
  err: unknown,
  phase: 'request' | 'body',
  timeouts: { connectMs: number; headersMs: number; bodyIdleMs: number },
  signal: { readonly aborted: boolean; readonly reason: unknown },
): unknown {
  if (signal.aborted) return signal.reason ?? err;
  if (isGatewayError(err)) return err;
  const code = codeOf(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new GatewayError('GW_UPSTREAM_TIMEOUT', `Gantry could not connect to the upstream provider within ${timeouts.connectMs} ms.`, { cause: err });
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream provider sent no response headers within ${timeouts.headersMs} ms.`, { cause: err });
    case 'UND_ERR_BODY_TIMEOUT':
      return new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream response was idle for more than ${timeouts.bodyIdleMs} ms.`, { cause: err });
  }
  if (phase === 'body') {
    return new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', `The upstream response ended before it was complete (${code ?? 'connection closed'}).`, { cause: err });
  }
  const detail = code ?? (err instanceof Error ? err.message : 'unknown error');
  return new GatewayError('GW_UPSTREAM_UNREACHABLE', `Gantry could not reach the upstream provider (${detail}).`, { cause: err });
}
