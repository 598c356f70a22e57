import type { GatewayError } from '../../../kernel/errors/index.js';
import type { AnthropicErrorBody, AnthropicErrorType } from '../../../kernel/wire/anthropic.js';

/**
 * The Anthropic error type for a Gantry error. The HTTP status decides, as in Anthropic's own table
 * (the SDKs pick their exception class from the status, clients like Claude Code also read `type`);
 * an upstream that said "overloaded" (529) stays overloaded_error so clients back off the same way.
 */
export function anthropicErrorType(err: GatewayError): AnthropicErrorType {
  if (err.upstreamStatus === 529) return 'overloaded_error';
  switch (err.status) {
    case 400:
    case 415:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    case 504:
      return 'timeout_error';
    default:
      return err.status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

export function anthropicError(err: GatewayError): AnthropicErrorBody {
  const error: AnthropicErrorBody['error'] = { type: anthropicErrorType(err), message: err.message, code: err.code };
  if (err.param !== undefined) error.param = err.param;
  return { type: 'error', error };
}

/** Error body for /v1/messages: Anthropic's shape, with the GW_* code as an extra `code` field. */
export function anthropicErrorBody(err: GatewayError): string {
  return JSON.stringify(anthropicError(err));
}
