import { afterEach, describe, expect, it } from 'vitest';
import { compiledMcpServer, fakeUpstream } from '../data-plane/mcp/fixtures/fake-upstream.js';
import { agent, startTestGateway, type TestGateway } from '../data-plane/mcp/fixtures/test-gateway.js';
import type { AuditDraft } from '../storage/ports/resource-store.js';
import { subscribeToolAudit } from './tool-audit.js';

const KEY = 'gk_tool_audit_key_0000000000000000000';
let gateway: TestGateway | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await gateway?.close();
  gateway = undefined;
});

describe('tool denial audit', () => {
  it('audits a call outside the agent declaration as mcp.tool_denied, without its arguments', async () => {
    const drafts: AuditDraft[] = [];
    stop = subscribeToolAudit((d) => drafts.push(d), () => 1_700_000_000_000);
    gateway = await startTestGateway({
      servers: [compiledMcpServer(fakeUpstream('demo', ['echo', 'delete_everything']))],
      agents: [agent('helper-bot', ['demo__echo'])],
      keys: { [KEY]: { keyId: 'key_a', keyName: 'bot-key', team: 'team-a', agent: 'helper-bot' } },
      policy: '@id("no-echo-prod") forbid(principal, action == Gantry::Action::"call_tool", resource) when { context.tags.contains("env=prod") };',
    });
    const client = await gateway.connect(KEY);
    await client.callTool({ name: 'demo__echo', arguments: { text: 'fine' } });
    await expect(client.callTool({ name: 'demo__delete_everything', arguments: { text: 'SECRET-ARGUMENT' } })).rejects.toThrow(/did not declare/);
    // A policy denial is audited by the policy audit (policy.deny), not here.
    const prod = await gateway.connect(KEY, { 'x-gantry-tags': 'env=prod' });
    await expect(prod.callTool({ name: 'demo__echo', arguments: {} })).rejects.toThrow(/no-echo-prod/);

    expect(drafts).toHaveLength(1);
    const requestId = gateway.events.find((e) => e.errorCode === 'GW_TOOL_NOT_ALLOWED')?.requestId;
    expect(drafts[0]).toEqual({
      ts: 1_700_000_000_000,
      actor: 'Agent:helper-bot',
      action: 'mcp.tool_denied',
      kind: 'McpServer',
      name: 'demo',
      team: 'team-a',
      outcome: 'denied',
      requestId,
      sourceIp: undefined,
      before: undefined,
      after: { tool: 'demo__delete_everything', code: 'GW_TOOL_NOT_ALLOWED', team: 'team-a', agent: 'helper-bot' },
      diff: undefined,
    });
    expect(JSON.stringify(drafts)).not.toContain('SECRET-ARGUMENT');
  });
});
