import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { telemetryChannels, type ToolCallMessage } from '../channels.js';
import { createMcpMetrics } from './mcp-metrics.js';

const call = (over: Partial<ToolCallMessage>): ToolCallMessage => ({
  server: 'demo',
  tool: 'echo',
  outcome: 'ok',
  code: undefined,
  latencyMs: 120,
  team: 'team-a',
  agent: 'helper-bot',
  principal: 'Agent:helper-bot',
  requestId: 'req_1',
  ...over,
});

describe('MCP tool call metrics', () => {
  it('counts calls by server, tool, outcome and code, and times them', async () => {
    const registry = new Registry();
    const metrics = createMcpMetrics(registry);
    const channels = telemetryChannels();
    channels.toolCall.publish(call({}));
    channels.toolCall.publish(call({}));
    channels.toolCall.publish(call({ tool: 'delete_everything', outcome: 'denied', code: 'GW_TOOL_NOT_ALLOWED', latencyMs: 2 }));
    metrics.close();
    channels.toolCall.publish(call({})); // after close: not counted
    const text = await registry.metrics();
    expect(text).toContain('gantry_mcp_tool_calls_total{server="demo",tool="echo",outcome="ok",code=""} 2');
    expect(text).toContain('gantry_mcp_tool_calls_total{server="demo",tool="delete_everything",outcome="denied",code="GW_TOOL_NOT_ALLOWED"} 1');
    expect(text).toContain('gantry_mcp_tool_call_duration_seconds_bucket{le="0.25",server="demo",tool="echo",outcome="ok"} 2');
    expect(text).toContain('gantry_mcp_tool_call_duration_seconds_bucket{le="0.1",server="demo",tool="echo",outcome="ok"} 0');
  });
});
