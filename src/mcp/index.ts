/** Upstream MCP server connections (main/ creates them from McpServer resources; the data plane sees contract.ts only). */
export type { McpCallOptions, McpCallResult, McpToolInfo, McpUpstream, McpUpstreamStatus } from './contract.js';
export type { UpstreamCredential } from './credential-fetch.js';
export { createHttpUpstream, type HttpUpstreamOptions } from './http-upstream.js';
export { REDACTED } from './redact.js';
export { INHERITED_ENV_VARS } from './safe-env.js';
export { createStdioUpstream, type StdioUpstreamOptions } from './stdio-upstream.js';
