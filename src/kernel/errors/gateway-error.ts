import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

export interface GatewayErrorOptions {
  /** Overrides the catalogue's HTTP status (e.g. to keep an upstream 4xx). */
  status?: number;
  /** Seconds, sent as `retry-after`. */
  retryAfter?: number;
  /** Status the upstream answered, kept for the client and the usage event. */
  upstreamStatus?: number;
  /** The upstream's own error code (e.g. `context_length_exceeded`, `content_filter`), for failover decisions; never sent to clients. */
  upstreamCode?: string;
  /** The OpenAI `param` field: the offending request field. */
  param?: string;
  /** Structured detail for the client (e.g. every validation problem with its path). */
  details?: readonly unknown[];
  cause?: unknown;
}

/** The one error type of Gantry: a stable code from the catalogue, an HTTP status and a helpful message. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly retryAfter: number | undefined;
  readonly upstreamStatus: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly param: string | undefined;
  readonly details: readonly unknown[] | undefined;

  constructor(code: ErrorCode, message?: string, options: GatewayErrorOptions = {}) {
    const spec = ERROR_CATALOGUE[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = options.status ?? spec.status;
    this.type = spec.type;
    this.retryAfter = options.retryAfter;
    this.upstreamStatus = options.upstreamStatus;
    this.upstreamCode = options.upstreamCode;
    this.param = options.param;
    this.details = options.details;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Wraps anything thrown into a GatewayError (unknown errors become GW_INTERNAL). */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('GW_INTERNAL', undefined, { cause: err });
}
