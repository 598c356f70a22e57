import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, type Registry } from 'prom-client';
import { type AgentDriftMessage, CHANNEL_NAMES } from '../channels.js';

const KINDS: readonly AgentDriftMessage['kind'][] = ['unregistered_agent', 'undeclared_model', 'undeclared_tool', 'offered_tool'];

/**
 * gantry_agent_drift_total{kind}: requests and tool calls outside an agent's registration
 * (docs/agents.md#drift-detection), every occurrence. Only the kind as a label: agent names in traffic
 * are not bounded (anyone can send x-gantry-agent), so they are in the drift findings, not here.
 */
export function createDriftMetrics(registry: Registry): { close(): void } {
  const drift = new Counter({
    name: 'gantry_agent_drift_total',
    help: 'Agent drift occurrences, by kind: unregistered_agent, undeclared_model, undeclared_tool, offered_tool (details: gantry agents drift).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  // Zero from the start, so `increase()` and alert rules see the first occurrence.
  for (const kind of KINDS) drift.labels({ kind }).inc(0);
  const onDrift = (message: unknown) => {
    drift.inc({ kind: (message as AgentDriftMessage).kind });
  };
  diagnosticsChannel.subscribe(CHANNEL_NAMES.agentDrift, onDrift);
  return {
    close() {
      diagnosticsChannel.unsubscribe(CHANNEL_NAMES.agentDrift, onDrift);
    },
  };
}
