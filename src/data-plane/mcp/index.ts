import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { TelemetryChannels } from '../../telemetry/channels.js';
import type { Limits } from '../limits/limits.js';
import type { Route } from '../routes/route.js';
import type { DriftReporter } from '../stages/agent-drift.js';
import { createToolCaller } from './call-tool.js';
import { createToolLister } from './list-tools.js';
import { createMcpMethodNotAllowedRoute, createMcpPostRoute } from './mcp-route.js';
import { createToolModels } from './tool-model.js';
import { createToolPolicy } from './tool-policy.js';

export { RPC_CODES, rpcCodeOf } from './rpc-errors.js';

export interface McpGatewayDeps {
  readonly limits: Pick<Limits, 'admit'>;
  readonly clock: Clock;
  readonly channels: Pick<TelemetryChannels, 'toolCall' | 'policyDecision'>;
  readonly drift: Pick<DriftReporter, 'undeclaredTool'>;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** serverInfo.version answered to initialize. */
  readonly version?: string;
  /** How long tools/list waits for one upstream before leaving it out (default 5 s). */
  readonly listTimeoutMs?: number;
}

/** Route keys (exact and prefix) to register in the data plane, all authenticated (docs/mcp.md). */
export interface McpRoutes {
  readonly exact: ReadonlyArray<readonly [string, Route]>;
  readonly prefix: ReadonlyArray<readonly [string, Route]>;
}

const DEFAULT_LIST_TIMEOUT_MS = 5_000;

/** The MCP gateway: POST /mcp (aggregated, `server__tool`) and /mcp/<server>; GET/DELETE answer 405 (stateless). */
export function createMcpRoutes(deps: McpGatewayDeps): McpRoutes {
  const listTimeoutMs = deps.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
  const policy = createToolPolicy({ channels: deps.channels });
  const listTools = createToolLister({ logger: deps.logger, policy, listTimeoutMs, now: () => deps.clock.now() });
  const callTool = createToolCaller({ limits: deps.limits, clock: deps.clock, channels: deps.channels, policy, drift: deps.drift, logger: deps.logger, toolModels: createToolModels(), listTimeoutMs });
  const post = createMcpPostRoute({ listTools, callTool, logger: deps.logger, maxBodyBytes: deps.maxBodyBytes, version: deps.version ?? '0.0.0' });
  const notAllowed = createMcpMethodNotAllowedRoute();
  return {
    exact: [
      ['POST /mcp', post],
      ['GET /mcp', notAllowed],
      ['DELETE /mcp', notAllowed],
    ],
    prefix: [
      ['POST /mcp/', post],
      ['GET /mcp/', notAllowed],
      ['DELETE /mcp/', notAllowed],
    ],
  };
}
