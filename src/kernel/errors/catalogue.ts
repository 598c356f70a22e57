/**
 * The one catalogue of Gantry error codes. Codes are stable and never reused: add new ones, never
 * rename or repurpose. docs/errors.md is generated from this file (`npm run docs:errors`).
 */
export interface ErrorSpec {
  /** HTTP status answered to the client. */
  readonly status: number;
  /** OpenAI-style error type (the `type` field of the wire error). */
  readonly type: string;
  /** Default message: says what happened and what to do. Call sites may give a more specific one. */
  readonly message: string;
  /** One line for docs/errors.md: when this happens. */
  readonly when: string;
}

export const ERROR_CATALOGUE = {
  GW_AUTH_KEY_MISSING: {
    status: 401,
    type: 'authentication_error',
    message:
      'No API key was sent. Send it as "Authorization: Bearer <key>" or "x-api-key: <key>".',
    when: 'A data-plane request carries no API key.',
  },
  GW_AUTH_KEY_INVALID: {
    status: 401,
    type: 'authentication_error',
    message: 'The API key is not valid. Check the key, or ask your platform team for a new one.',
    when: 'The API key is unknown, malformed or revoked.',
  },
  GW_ADMIN_TOKEN_INVALID: {
    status: 401,
    type: 'authentication_error',
    message:
      'The admin token is missing or not valid. Send "Authorization: Bearer <admin token>" (see .gantry/admin-token).',
    when: 'An admin API request carries no valid admin token.',
  },
  GW_REQUEST_MALFORMED_JSON: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request body is not valid JSON.',
    when: 'The body cannot be parsed as JSON; the message says where parsing stopped.',
  },
  GW_REQUEST_INVALID: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request is not valid.',
    when: 'A required field is missing or a field has the wrong type or value; the message names the field.',
  },
  GW_REQUEST_TOO_LARGE: {
    status: 413,
    type: 'invalid_request_error',
    message: 'The request body is larger than the limit.',
    when: 'The body exceeds the configured limit (GANTRY_MAX_BODY_BYTES, default 4 MiB).',
  },
  GW_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Send the request body as JSON with "Content-Type: application/json".',
    when: 'A POST body is sent with a content type other than JSON.',
  },
  GW_ROUTE_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'No such endpoint.',
    when: 'The path or method is not served by Gantry.',
  },
  GW_MODEL_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'The model does not exist. GET /v1/models lists the models you can use.',
    when: 'The requested model is not configured.',
  },
  GW_RESPONSE_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'No stored response with this id. Responses are kept for GANTRY_RESPONSES_TTL_HOURS (default 30 days) and only for your team.',
    when: 'GET/DELETE /v1/responses/{id} or previous_response_id names a response that does not exist, expired, was not stored (store: false) or belongs to another team.',
  },
  GW_MODEL_WRONG_ENDPOINT: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The model cannot be used on this endpoint.',
    when: 'A chat model is used for embeddings or the other way round.',
  },
  GW_BUDGET_EXHAUSTED: {
    status: 429,
    type: 'insufficient_quota',
    message: 'A hard budget has no room left for this request. Wait for the budget window to reset, or ask your platform team to raise the budget.',
    when: 'A hard Budget in scope cannot pay for the request (its worst-case cost, or its input plus a minimal answer).',
  },
  GW_RATE_LIMITED: {
    status: 429,
    type: 'rate_limit_error',
    message: 'A rate limit was reached. Retry after the number of seconds in the retry-after header.',
    when: 'A RateLimit in scope (requests or tokens per minute, or concurrent requests) is at its limit.',
  },
  GW_LIMITS_UNAVAILABLE: {
    status: 503,
    type: 'api_error',
    message: 'Budgets and rate limits cannot be checked because the counter store is unreachable, and they are set to fail closed. Retry shortly; operators: check the counter store (Redis or the SQLite counters file).',
    when: 'The counter store (Redis, or the shared SQLite counters file) is unreachable and a Budget or RateLimit in scope has failMode closed.',
  },
  GW_MODEL_UNPRICED: {
    status: 403,
    type: 'invalid_request_error',
    message:
      'The model has no price, so its usage cannot be metered. Add pricing to the Model, or mark it "pricing: {free: true}".',
    when: 'A request targets a Model without prices (Gantry fails closed rather than record $0).',
  },
  GW_UPSTREAM_TIMEOUT: {
    status: 504,
    type: 'api_error',
    message: 'The upstream provider did not answer in time.',
    when: 'Connecting to the upstream, or waiting for its response headers or body, exceeded the timeout.',
  },
  GW_UPSTREAM_ERROR: {
    status: 502,
    type: 'api_error',
    message: 'The upstream provider failed.',
    when: 'The upstream answered 5xx or an unusable response; the upstream status is kept in the message.',
  },
  GW_UPSTREAM_UNREACHABLE: {
    status: 502,
    type: 'api_error',
    message: 'Gantry could not connect to the upstream provider.',
    when: 'Connection refused, reset or DNS failure towards the upstream.',
  },
  GW_UPSTREAM_RATE_LIMITED: {
    status: 429,
    type: 'rate_limit_error',
    message: 'The upstream provider is rate limiting requests. Retry later.',
    when: 'The upstream answered 429; its retry-after is passed on.',
  },
  GW_UPSTREAM_REJECTED: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The upstream provider rejected the request.',
    when: 'The upstream answered 4xx (other than 429); its status and message are passed on.',
  },
  GW_UPSTREAM_AUTH: {
    status: 502,
    type: 'api_error',
    message:
      "The upstream provider refused Gantry's credentials. The platform team must fix the Provider's apiKey.",
    when: 'The upstream answered 401 or 403 to Gantry (a gateway configuration problem, not the caller\'s).',
  },
  GW_UPSTREAM_STREAM_INTERRUPTED: {
    status: 502,
    type: 'api_error',
    message: 'The upstream stream ended before it was complete.',
    when: 'An upstream stream was cut or sent malformed data after it started; what was delivered is metered.',
  },
  GW_NO_HEALTHY_DEPLOYMENT: {
    status: 503,
    type: 'api_error',
    message: 'Every deployment of this model is down. Retry after the time in retry-after.',
    when: "Every deployment of the model (and of its fallback models) failed or has its circuit breaker open, and the model's routing.whenAllDown policy found nothing else to serve; retry-after says when a deployment will be tried again.",
  },
  GW_PROVIDER_MISCONFIGURED: {
    status: 500,
    type: 'api_error',
    message: 'The provider serving this model is misconfigured. The platform team must fix it.',
    when: 'A Provider references something missing at run time (e.g. an unset environment variable).',
  },
  GW_SHUTTING_DOWN: {
    status: 503,
    type: 'api_error',
    message: 'Gantry is shutting down. Retry on another instance or in a moment.',
    when: 'A request arrives while the process drains for shutdown.',
  },
  GW_NOT_READY: {
    status: 503,
    type: 'api_error',
    message: 'Gantry is not ready yet.',
    when: '/readyz: the configuration snapshot is not loaded or a store is unreachable.',
  },
  GW_INTERNAL: {
    status: 500,
    type: 'api_error',
    message: 'Gantry hit an internal error. The request id identifies it in the logs.',
    when: 'An unexpected error; the process keeps serving and logs the details with the request id.',
  },
  GW_CONFIG_INVALID: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The configuration is not valid.',
    when: 'gantry.yaml (or an applied document) fails validation; the message names the document and field.',
  },
  GW_ADMIN_AUTH_REQUIRED: {
    status: 401,
    type: 'authentication_error',
    message:
      'This admin endpoint needs a token. Send "Authorization: Bearer <token>": the admin token, a user token, or run `gantry login`.',
    when: 'An admin API request carries no token, or a token that is unknown, expired or revoked.',
  },
  GW_FORBIDDEN: {
    status: 403,
    type: 'permission_error',
    message: 'Your role does not allow this action. Ask a platform admin (or your team admin) for access.',
    when: 'An admin API caller is authenticated but their role does not allow the action on that resource.',
  },
  GW_RESOURCE_INVALID: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The resource documents are not valid; nothing was applied.',
    when: 'An applied document fails validation (schema, references, lifecycle); every problem is listed with its path.',
  },
  GW_RESOURCE_NOT_FOUND: {
    status: 404,
    type: 'not_found_error',
    message: 'No such resource. `gantry get <kind>` lists what exists.',
    when: 'An admin API request names a resource that does not exist.',
  },
  GW_RESOURCE_CONFLICT: {
    status: 409,
    type: 'invalid_request_error',
    message: 'The resource changed while this request was being applied. Read it again and retry.',
    when: 'A concurrent change won the race, or a create collides with an existing resource.',
  },
  GW_RESOURCE_IN_USE: {
    status: 409,
    type: 'invalid_request_error',
    message: 'The resource is still referenced by other resources; delete or change those first.',
    when: 'A delete would leave other resources pointing at a missing one (e.g. a Provider still used by a Model).',
  },
  GW_LIFECYCLE_INVALID: {
    status: 409,
    type: 'invalid_request_error',
    message: 'That lifecycle transition is not allowed.',
    when: 'An Agent lifecycle change skips a step (proposed → approved → active ⇄ suspended → deprecated → retired), or a Grant is approved, revoked or extended from a state that does not allow it.',
  },
  GW_KEY_EXPIRED: {
    status: 401,
    type: 'authentication_error',
    message:
      'The API key has expired (or it was rotated and its grace window is over). Use the new key, or ask your team admin for a key with a later expiry.',
    when: 'A data-plane request uses a key past its expiry, or a rotated key past its grace window.',
  },
  GW_MODEL_NOT_ALLOWED: {
    status: 403,
    type: 'permission_error',
    message: 'This API key (or its agent) may not use that model. Use a model it is scoped to, or ask your team admin.',
    when: 'The key or agent has an allowed-models scope that does not include the requested model.',
  },
  GW_POLICY_DENIED: {
    status: 403,
    type: 'permission_error',
    message: 'A policy denies this request. Ask your platform team about the policy named in the message.',
    when: 'An enforced Policy (Cedar) forbids the request; the message names the policy id, never its text.',
  },
  GW_GUARDRAIL_BLOCKED: {
    status: 400,
    type: 'invalid_request_error',
    message: 'A guardrail blocked this request. Remove what the message names and try again.',
    when: 'A Guardrail with action block matched the input (or the output: then 403 is not used, the answer is withheld with this code); the message names the guardrail and the rule, never the matched text.',
  },
  GW_OUTPUT_INVALID: {
    status: 502,
    type: 'api_error',
    message: "The model's answer did not match the requested JSON schema, also after one retry.",
    when: "A Guardrail with jsonOutput validates the answer against the request's response_format JSON schema; the upstream answered invalid JSON twice.",
  },
  GW_AGENT_NOT_ALLOWED: {
    status: 403,
    type: 'permission_error',
    message: 'This API key may not act for that agent.',
    when: 'x-gantry-agent names an agent the key is not scoped to, or differs from the agent the key belongs to.',
  },
  GW_STORE_UNAVAILABLE: {
    status: 503,
    type: 'api_error',
    message: 'The configuration store (database) is unreachable; nothing was changed. Retry in a moment. Model requests keep being served.',
    when: 'An admin API call needs the resource store (SQLite or Postgres) and cannot reach it.',
  },
  GW_SSO_NOT_CONFIGURED: {
    status: 404,
    type: 'invalid_request_error',
    message: 'Single sign-on is not configured. Set GANTRY_OIDC_ISSUER and GANTRY_OIDC_CLIENT_ID (see docs/sso.md).',
    when: 'An SSO login is attempted on a Gantry without OIDC settings.',
  },
  GW_SSO_FAILED: {
    status: 401,
    type: 'authentication_error',
    message: 'Single sign-on failed. Start the login again with `gantry login --sso`.',
    when: 'The OIDC callback is invalid, expired, or the identity provider refused the login.',
  },
  GW_MCP_SERVER_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'There is no such MCP server. tools/list on POST /mcp lists the tools you can use; `gantry get mcpservers` lists the servers.',
    when: 'A request to /mcp/<server> names an McpServer that does not exist (or whose upstream could not be set up).',
  },
  GW_TOOL_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'There is no such tool. Call tools/list to see the tools you may use.',
    when: 'A tools/call names a tool the MCP server does not list, or one the McpServer does not expose (spec.tools).',
  },
  GW_TOOL_NOT_ALLOWED: {
    status: 403,
    type: 'permission_error',
    message: 'This agent may not call that tool. Add it to the agent\'s spec.tools, or ask for a Grant.',
    when: 'A tools/call names a tool outside the calling agent\'s declared tools (or the key acts for no agent), with no active Grant.',
  },
  GW_MCP_UPSTREAM_UNAVAILABLE: {
    status: 503,
    type: 'api_error',
    message: 'The MCP server is not reachable (its process is down or restarting, or its URL does not answer). Retry shortly.',
    when: 'The upstream MCP server cannot be connected to, or its stdio process exited and is being restarted.',
  },
  GW_MCP_TOOL_TIMEOUT: {
    status: 504,
    type: 'api_error',
    message: 'The tool did not answer in time. Retry, or ask your platform team to raise the McpServer\'s spec.timeoutMs.',
    when: 'A tools/call took longer than the McpServer\'s timeoutMs (default 30 s); the call is cancelled upstream.',
  },
  GW_MCP_UPSTREAM_ERROR: {
    status: 502,
    type: 'api_error',
    message: 'The MCP server answered with an error.',
    when: 'The upstream MCP server returned a JSON-RPC error for a call (a tool\'s own failure is a result with isError, not this).',
  },
  GW_SECRET_UNAVAILABLE: {
    status: 500,
    type: 'api_error',
    message: 'A Secret could not be decrypted: the master key is missing or is not the one it was encrypted with. Set GANTRY_MASTER_KEY (or GANTRY_MASTER_KEY_FILE) to the key every Gantry process shares.',
    when: 'A Provider or McpServer references a Secret that cannot be decrypted with this process\'s master key.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
