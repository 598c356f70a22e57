export { ERROR_CATALOGUE, type ErrorCode, type ErrorSpec } from './catalogue.js';
export { GatewayError, isGatewayError, toGatewayError, type GatewayErrorOptions } from './gateway-error.js';
export { parseRetryAfter, upstreamStatusError } from './upstream.js';
export { errorFromResponse, transportError, upstreamErrorCode } from './transport.js';
