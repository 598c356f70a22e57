import type { Clock } from '../../kernel/clock.js';
import { type ErrorCode, GatewayError, toGatewayError } from '../../kernel/errors/index.js';
import type { Logger } from '../../kernel/logger.js';
import type { MeteredUsage } from '../../kernel/types.js';
import type { McpCallResult } from '../../mcp/contract.js';
import type { TelemetryChannels, ToolCallMessage } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { Limits } from '../limits/limits.js';
import type { CompiledMcpServer } from '../snapshot.js';
import type { DriftReporter } from '../stages/agent-drift.js';
import { activeGrant, noteGrant } from '../stages/grant-check.js';
import { principalOf } from '../stages/policy-principal.js';
import { listUpstream } from './list-tools.js';
import { namespaced, splitNamespaced } from './names.js';
import { actingAgent, declaredTools, exposed } from './tool-access.js';
import type { createToolModels } from './tool-model.js';
import type { ToolPolicy } from './tool-policy.js';
import { raceUpstream } from './upstream-signal.js';

export interface ToolCallerDeps {
  readonly limits: Pick<Limits, 'admit'>;
  readonly clock: Clock;
  readonly channels: Pick<TelemetryChannels, 'toolCall'>;
  readonly policy: ToolPolicy;
  readonly drift: Pick<DriftReporter, 'undeclaredTool'>;
  readonly logger: Logger;
  readonly toolModels: ReturnType<typeof createToolModels>;
  readonly listTimeoutMs: number;
}

export type ToolCaller = (ctx: RequestContext, only: CompiledMcpServer | undefined, name: string, args: Readonly<Record<string, unknown>> | undefined) => Promise<McpCallResult>;

/** A tool call carries no tokens: its cost is the per-call price alone (never estimated). */
const NO_TOKENS: MeteredUsage = { inputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 0, estimated: false };

const UPSTREAM_FAILURES: ReadonlySet<ErrorCode> = new Set(['GW_MCP_UPSTREAM_UNAVAILABLE', 'GW_MCP_TOOL_TIMEOUT', 'GW_MCP_UPSTREAM_ERROR']);
/** Refusals by Gantry's governance (ToolCallMessage outcome `denied`); anything else that fails is `error`. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set(['GW_TOOL_NOT_ALLOWED', 'GW_POLICY_DENIED', 'GW_BUDGET_EXHAUSTED', 'GW_RATE_LIMITED', 'GW_LIMITS_UNAVAILABLE', 'GW_REQUEST_INVALID']);

interface FoundTool {
  readonly server: CompiledMcpServer;
  /** Upstream name. */
  readonly tool: string;
  /** `server__tool`. */
  readonly name: string;
}

function notFound(name: string, only: CompiledMcpServer | undefined): GatewayError {
  const where = only ? `MCP server "${only.name}"` : '/mcp';
  const shape = !only && !splitNamespaced(name) ? ' Tools on /mcp are named <server>__<tool>.' : '';
  return new GatewayError('GW_TOOL_NOT_FOUND', `${where} has no tool "${name}".${shape} tools/list shows the tools you may use.`);
}

/**
 * tools/call, in order: find the tool (GW_TOOL_NOT_FOUND, not metered); then — with one usage event
 * from here on (model `server__tool`, route the server, provider `mcp:<server>`) — the agent's
 * declaration or a call_tool Grant (GW_TOOL_NOT_ALLOWED, drift), Cedar call_tool and read_secret
 * (GW_POLICY_DENIED unless a Grant), budgets and rate limits (the tool's per-call price), and the
 * upstream call with the server's timeout. A call the upstream answered costs its price (isError
 * results too); a refused or failed one costs $0. The upstream gets the tool name, the arguments and a
 * signal — never the caller's key or headers.
 */
export function createToolCaller(deps: ToolCallerDeps): ToolCaller {
  const { clock } = deps;

  async function find(ctx: RequestContext, only: CompiledMcpServer | undefined, name: string): Promise<FoundTool> {
    const parts = only ? { server: only.name, tool: name } : splitNamespaced(name);
    const server = only ?? (parts ? ctx.snapshot.mcpServers.get(parts.server) : undefined);
    if (!parts || !server || !exposed(server, parts.tool)) throw notFound(name, only);
    const found = { server, tool: parts.tool, name: namespaced(server.name, parts.tool) };
    // The upstream's cached list says whether the tool exists. When it cannot be listed, a tool the
    // caller may use (declared, granted: names from the configuration) goes ahead — metered at $0 if
    // it fails upstream; any other name is refused unmetered, so a client cannot put names of its own
    // into the ledger or the drift alerts while a server is down. A client gone meanwhile: nothing.
    const listed = await listUpstream(ctx, server, deps.listTimeoutMs).catch((err: unknown) => {
      if (ctx.abort.aborted) throw err;
      return toGatewayError(err);
    });
    if (listed instanceof GatewayError) {
      if (!declaredTools(ctx).has(found.name) && !activeGrant(ctx, 'call_tool', found.name)) throw listed;
    } else if (!listed.some((t) => t.name === parts.tool)) throw notFound(name, only);
    return found;
  }

  function authorize(ctx: RequestContext, found: FoundTool): void {
    if (!declaredTools(ctx).has(found.name)) {
      deps.drift.undeclaredTool(ctx, found.name);
      const grant = activeGrant(ctx, 'call_tool', found.name);
      if (!grant) {
        const agent = actingAgent(ctx);
        const why = agent
          ? `Agent "${agent}" did not declare tool "${found.name}" (its spec.tools)`
          : `This key acts for no registered agent (its own, or one named in x-gantry-agent), so it has no tools; "${found.name}" needs a Grant`;
        throw new GatewayError('GW_TOOL_NOT_ALLOWED', `${why}, and no active Grant allows it. Add the tool to the agent's spec.tools, or ask your team admin for a Grant.`);
      }
      noteGrant(ctx, grant.name);
    }
    deps.policy.authorizeCall(ctx, found.server, found.name);
  }

  async function invoke(ctx: RequestContext, found: FoundTool, args: Readonly<Record<string, unknown>> | undefined): Promise<McpCallResult> {
    const { server } = found;
    const timeout = () => new GatewayError('GW_MCP_TOOL_TIMEOUT', `Tool "${found.name}" did not answer within ${server.timeoutMs} ms (the McpServer's spec.timeoutMs); the call was cancelled upstream.`);
    // The upstream enforces the timeout too; this bound holds even if it does not.
    return raceUpstream(ctx.abort.signal, server.timeoutMs, timeout, (signal) => server.upstream.callTool(found.tool, args, { signal, timeoutMs: server.timeoutMs }));
  }

  function publish(ctx: RequestContext, found: FoundTool, startedMono: number, err: GatewayError | undefined): void {
    if (!deps.channels.toolCall.hasSubscribers) return;
    const principal = principalOf(ctx);
    const message: ToolCallMessage = {
      server: found.server.name,
      tool: found.tool,
      // A client that went away mid-call is an error, not a refusal (its abort arrives as GW_REQUEST_INVALID).
      outcome: !err ? 'ok' : REFUSALS.has(err.code) && !ctx.abort.aborted ? 'denied' : 'error',
      code: err?.code,
      latencyMs: clock.monotonic() - startedMono,
      team: principal.team,
      agent: ctx.attribution?.agent,
      principal: `${principal.type}:${principal.id}`,
      requestId: ctx.requestId,
    };
    deps.channels.toolCall.publish(message);
  }

  return async function callTool(ctx, only, name, args) {
    const startedMono = clock.monotonic();
    const found = await find(ctx, only, name);
    // From here the request is metered as a call of this tool (server.ts writes the one usage event).
    const model = deps.toolModels(ctx.snapshot, found.server, found.tool);
    ctx.requestedModel = found.name;
    ctx.model = model;
    ctx.deployment = model.deployments[0];
    try {
      authorize(ctx, found);
      await deps.limits.admit(ctx, { inputTokensBound: () => 0, requestedMaxOutput: 0, hasOutput: false });
      ctx.attempts = 1;
      const result = await invoke(ctx, found, args);
      ctx.usage = NO_TOKENS;
      ctx.ttftMs = clock.monotonic() - ctx.startMono;
      ctx.status = 200;
      publish(ctx, found, startedMono, undefined);
      return result;
    } catch (thrown) {
      const err = toGatewayError(thrown);
      if (err.code === 'GW_INTERNAL') deps.logger.error({ err: thrown, requestId: ctx.requestId, tool: found.name }, 'MCP tool call failed');
      ctx.status = err.status;
      ctx.errorCode = err.code;
      ctx.upstreamStatus = err.upstreamStatus;
      ctx.outcome = UPSTREAM_FAILURES.has(err.code) ? 'upstream_error' : 'rejected';
      publish(ctx, found, startedMono, err);
      throw err;
    }
  };
}
