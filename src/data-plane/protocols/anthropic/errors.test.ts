import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../kernel/errors/index.js';
import { anthropicErrorBody } from './errors.js';

describe('Anthropic error shape', () => {
  const cases: Array<[GatewayError, string]> = [
    [new GatewayError('GW_REQUEST_INVALID', 'Invalid request: max_tokens is required.', { param: 'max_tokens' }), 'invalid_request_error'],
    [new GatewayError('GW_AUTH_KEY_INVALID'), 'authentication_error'],
    [new GatewayError('GW_MODEL_UNPRICED'), 'permission_error'],
    [new GatewayError('GW_MODEL_NOT_FOUND'), 'not_found_error'],
    [new GatewayError('GW_REQUEST_TOO_LARGE'), 'request_too_large'],
    [new GatewayError('GW_UPSTREAM_RATE_LIMITED'), 'rate_limit_error'],
    [new GatewayError('GW_UPSTREAM_ERROR'), 'api_error'],
    [new GatewayError('GW_UPSTREAM_ERROR', 'overloaded', { upstreamStatus: 529 }), 'overloaded_error'],
    [new GatewayError('GW_SHUTTING_DOWN'), 'overloaded_error'],
    [new GatewayError('GW_UPSTREAM_TIMEOUT'), 'timeout_error'],
    [new GatewayError('GW_INTERNAL'), 'api_error'],
  ];
  for (const [err, type] of cases) {
    it(`${err.code} (${err.status}) → ${type}`, () => {
      const body = JSON.parse(anthropicErrorBody(err));
      expect(body).toEqual({ type: 'error', error: { type, message: err.message, code: err.code, ...(err.param ? { param: err.param } : {}) } });
    });
  }
});
