import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../kernel/types.js';
import { type AgentDriftMessage, CHANNEL_NAMES, telemetryChannels } from '../../telemetry/channels.js';
import type { RequestContext } from '../context.js';
import type { CompiledAgent } from '../snapshot.js';
import { createDriftReporter } from './agent-drift.js';
import { createAttribute } from './attribute.js';

const agent = (name: string, owner: string): CompiledAgent => ({ name, owner, serving: true, models: undefined, tools: undefined });
const agents = new Map([['helper-bot', agent('helper-bot', 'support')]]);

function ctx(principal: Principal, headers: Record<string, string>): RequestContext {
  return { headers, snapshot: { agents }, principal, attribution: undefined, requestId: 'req_1' } as unknown as RequestContext;
}

const support: Principal = { keyId: 'k1', keyName: 'support-key', team: 'support' };

describe('attribute: unregistered agents (shadow AI)', () => {
  const reported: string[] = [];
  const attribute = createAttribute({ drift: { unregisteredAgent: (_c, name) => reported.push(name) } });
  afterEach(() => {
    reported.length = 0;
  });

  it('serves a request naming an unregistered agent, attributed to it, and reports it', () => {
    const c = ctx(support, { 'x-gantry-agent': 'shadow-bot' });
    attribute(c);
    expect(c.attribution?.agent).toBe('shadow-bot');
    expect(reported).toEqual(['shadow-bot']);
  });

  it('reports nothing for a registered agent or when no agent is named', () => {
    attribute(ctx(support, { 'x-gantry-agent': 'helper-bot' }));
    attribute(ctx(support, {}));
    expect(reported).toEqual([]);
  });

  it('reports a key bound to an agent that is no longer registered', () => {
    attribute(ctx({ ...support, agent: 'deleted-bot' }, {}));
    expect(reported).toEqual(['deleted-bot']);
  });

  it('reports nothing for a request refused for its headers', () => {
    expect(() => attribute(ctx(support, { 'x-gantry-agent': 'shadow-bot', 'x-gantry-tags': 'no value' }))).toThrow(/x-gantry-tags/);
    expect(() => attribute(ctx({ ...support, agents: new Set(['helper-bot']) }, { 'x-gantry-agent': 'shadow-bot' }))).toThrow(/may act only/);
    expect(reported).toEqual([]);
  });

  it('publishes on the agentDrift channel with the key\'s team (real reporter)', () => {
    const messages: AgentDriftMessage[] = [];
    const onDrift = (m: unknown) => messages.push(m as AgentDriftMessage);
    diagnosticsChannel.subscribe(CHANNEL_NAMES.agentDrift, onDrift);
    try {
      const real = createAttribute({ drift: createDriftReporter({ channels: telemetryChannels(), clock: { now: () => 42, monotonic: () => 0 } }) });
      real(ctx(support, { 'x-gantry-agent': 'shadow-bot' }));
      real(ctx(support, { 'x-gantry-agent': 'helper-bot' }));
    } finally {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.agentDrift, onDrift);
    }
    expect(messages).toEqual([{ kind: 'unregistered_agent', agent: 'shadow-bot', team: 'support', item: '', requestId: 'req_1', at: 42 }]);
  });
});
