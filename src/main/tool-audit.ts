import diagnosticsChannel from 'node:diagnostics_channel';
import type { AuditDraft } from '../storage/ports/resource-store.js';
import { CHANNEL_NAMES, type ToolCallMessage } from '../telemetry/channels.js';

/**
 * The audit entry of a tools/call refused because the tool is outside the agent's declaration (or the
 * key acts for no agent) with no Grant: action `mcp.tool_denied`, actor the caller ("Agent:helper-bot",
 * "ApiKey:ci-key"), target the McpServer, the tool and team in `after` — never the call's arguments
 * (the message carries none). Policy denials are audited as `policy.deny` (policy-audit.ts).
 */
export function toolAuditDraft(m: ToolCallMessage, at: number): AuditDraft {
  return {
    ts: at,
    actor: m.principal,
    action: 'mcp.tool_denied',
    kind: 'McpServer',
    name: m.server,
    team: m.team,
    outcome: 'denied',
    requestId: m.requestId,
    sourceIp: undefined,
    before: undefined,
    after: { tool: `${m.server}__${m.tool}`, code: m.code ?? null, team: m.team, ...(m.agent === undefined ? {} : { agent: m.agent }) },
    diff: undefined,
  };
}

/**
 * Subscribes to MCP tool calls and queues an audit entry for each GW_TOOL_NOT_ALLOWED refusal.
 * `record` is the audit recorder's batching queue: it must not throw or wait (the publisher is a request).
 */
export function subscribeToolAudit(record: (draft: AuditDraft) => void, now: () => number): () => void {
  const onCall = (message: unknown) => {
    const m = message as ToolCallMessage;
    if (m.code === 'GW_TOOL_NOT_ALLOWED') record(toolAuditDraft(m, now()));
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.toolCall, onCall);
  return () => diagnosticsChannel.unsubscribe(CHANNEL_NAMES.toolCall, onCall);
}
