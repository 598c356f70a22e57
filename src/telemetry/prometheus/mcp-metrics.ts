import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, Histogram, type Registry } from 'prom-client';
import { CHANNEL_NAMES, type ToolCallMessage } from '../channels.js';

const TOOL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * MCP gateway tool calls: `gantry_mcp_tool_calls_total{server, tool, outcome, code}` (outcome ok,
 * denied or error; code the GW_* code, "" on success) and `gantry_mcp_tool_call_duration_seconds
 * {server, tool, outcome}`. Only calls of tools that exist are published, so server and tool come from
 * configuration and the upstreams' lists, never from what a client typed.
 */
export function createMcpMetrics(registry: Registry): { close(): void } {
  const calls = new Counter({
    name: 'gantry_mcp_tool_calls_total',
    help: 'MCP tools/call requests through the gateway, by server, upstream tool, outcome (ok: the tool answered, isError included; denied: Gantry refused; error: upstream failure or timeout) and Gantry error code.',
    labelNames: ['server', 'tool', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gantry_mcp_tool_call_duration_seconds',
    help: 'Time from a tools/call arriving to its answer (checks and the upstream call), by server, upstream tool and outcome.',
    labelNames: ['server', 'tool', 'outcome'] as const,
    buckets: TOOL_BUCKETS,
    registers: [registry],
  });
  const onCall = (message: unknown) => {
    const m = message as ToolCallMessage;
    calls.inc({ server: m.server, tool: m.tool, outcome: m.outcome, code: m.code ?? '' });
    duration.observe({ server: m.server, tool: m.tool, outcome: m.outcome }, m.latencyMs / 1000);
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.toolCall, onCall);
  return {
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.toolCall, onCall);
    },
  };
}
