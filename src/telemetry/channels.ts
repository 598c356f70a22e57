import diagnosticsChannel from 'node:diagnostics_channel';
import type { ErrorCode } from '../kernel/errors/index.js';
import type { Endpoint, UsageEvent } from '../kernel/types.js';

/**
 * Telemetry travels over node:diagnostics_channel: the data plane publishes, subscribers (Prometheus,
 * later OpenTelemetry) turn messages into metrics and spans. With no subscriber a publish costs
 * almost nothing. Channel names are part of Gantry's extension surface: keep them stable.
 */
export const CHANNEL_NAMES = {
  requestStart: 'gantry:request:start',
  requestEnd: 'gantry:request:end',
  snapshotSwap: 'gantry:snapshot:swap',
  snapshotError: 'gantry:snapshot:error',
  alert: 'gantry:alert',
  limitRefused: 'gantry:limit:refused',
  upstreamAttempt: 'gantry:upstream:attempt',
  breakerChange: 'gantry:breaker:change',
  policyDecision: 'gantry:policy:decision',
  guardrailHit: 'gantry:guardrail:hit',
  toolCall: 'gantry:mcp:tool_call',
  agentDrift: 'gantry:agent:drift',
} as const;

/** A policy denied (enforced) or would have denied (dry-run) a request: metrics, log, audit (denials). */
export interface PolicyDecisionMessage {
  /**
   * `error`: the policies in policyIds failed to evaluate on this request and were skipped (Cedar's
   * skip-on-error). `granted`: they denied, and an active Grant let the request through (docs/grants.md).
   */
  readonly outcome: 'deny' | 'would_deny' | 'error' | 'granted';
  readonly policyIds: readonly string[];
  readonly action: string;
  /** "<type>:<id>" of principal and resource, e.g. "ApiKey:ci-key", "Model:sim-large". */
  readonly principal: string;
  readonly resource: string;
  readonly team: string;
  readonly requestId: string;
}

/** One MCP tools/call through the gateway, allowed or not (metrics; audit for denials). */
export interface ToolCallMessage {
  readonly server: string;
  /** The upstream tool name. */
  readonly tool: string;
  /** ok: the upstream answered (isError results included); denied: Gantry refused it; error: upstream failure or timeout. */
  readonly outcome: 'ok' | 'denied' | 'error';
  readonly code: ErrorCode | undefined;
  readonly latencyMs: number;
  readonly team: string;
  readonly agent: string | undefined;
  /** "<type>:<id>" of the caller, e.g. "Agent:helper-bot". */
  readonly principal: string;
  readonly requestId: string;
}

/**
 * Traffic outside an agent's registration (docs/agents.md#drift): an unregistered agent name, a model
 * or tool outside the agent's declaration (refused or not), or a chat request offering the model a
 * function tool the agent did not declare. Published by the data plane only when it happens.
 */
export interface AgentDriftMessage {
  readonly kind: 'unregistered_agent' | 'undeclared_model' | 'undeclared_tool' | 'offered_tool';
  readonly agent: string;
  readonly team: string;
  /** The model, tool or offered function name ('' for unregistered_agent). */
  readonly item: string;
  readonly requestId: string;
  readonly at: number;
}

/** A guardrail matched (metrics per guardrail and rule; audit entries for blocks). Never the matched text. */
export interface GuardrailHitMessage {
  readonly guardrail: string;
  readonly stage: 'input' | 'output';
  readonly rule: string;
  readonly action: 'block' | 'redact' | 'flag';
  readonly count: number;
  readonly team: string;
  readonly requestId: string;
}

/** One call to one deployment (a request makes several when it retries or fails over). */
export interface UpstreamAttemptMessage {
  readonly model: string;
  readonly deployment: string;
  /** first: the request's first call; retry: again on the same deployment; failover: another deployment or fallback model. */
  readonly kind: 'first' | 'retry' | 'failover';
  readonly ok: boolean;
  /** The error's code when the call failed. */
  readonly code: ErrorCode | undefined;
  readonly latencyMs: number;
}

/** A deployment's circuit breaker changed state (also on active health-check results). */
export interface BreakerChangeMessage {
  readonly model: string;
  readonly deployment: string;
  readonly from: 'closed' | 'open' | 'half_open';
  readonly to: 'closed' | 'open' | 'half_open';
  /** Why, for logs: e.g. "5 consecutive failures (GW_UPSTREAM_ERROR)", "probe succeeded". */
  readonly reason: string;
}

/**
 * A money alert. Budget thresholds are published by the data plane after settlement (one process
 * per threshold and window, deduplicated through the counter store); anomalies by the detector in
 * main/. Subscribers: Prometheus counter, audit entry, webhook delivery.
 */
export interface AlertMessage {
  readonly type: 'budget_threshold' | 'spend_anomaly' | 'agent_drift';
  /** Stable id: the same alert from two replicas has one id (webhook receivers deduplicate on it). */
  readonly id: string;
  /** Epoch ms. */
  readonly at: number;
  /** Budget name (budget_threshold) or the scope, e.g. `team:team-a` (spend_anomaly). */
  readonly subject: string;
  /** Budget counter window, e.g. `2026-11` (budget_threshold) or the UTC day (spend_anomaly). */
  readonly window: string;
  /** Threshold crossed in percent (budget_threshold). */
  readonly thresholdPercent?: number;
  readonly spentMicros: number;
  /** Budget limit (budget_threshold) or trailing daily baseline (spend_anomaly). */
  readonly referenceMicros: number;
  readonly enforcement?: 'hard' | 'soft';
  /** One sentence for people (Slack text, audit summary). */
  readonly summary: string;
}

/** A request refused by a RateLimit or Budget (metrics per limit). */
export interface LimitRefusedMessage {
  readonly kind: 'rate' | 'concurrency' | 'budget' | 'unavailable';
  /** RateLimit or Budget name. */
  readonly name: string;
}

/** A new runtime snapshot was compiled from the store and swapped in. */
export interface SnapshotSwapMessage {
  /** Store revision the snapshot reflects (equal across processes once they caught up). */
  readonly revision: number;
  readonly compileMs: number;
  /** Live API key credentials in the snapshot. */
  readonly keys: number;
  /** Rows applied from the change feed for this compile. */
  readonly changedRows: number;
}

export interface RequestStartMessage {
  readonly endpoint: Endpoint;
}

export interface RequestEndMessage {
  readonly endpoint: Endpoint;
  readonly status: number;
  readonly errorCode: ErrorCode | undefined;
  readonly latencyMs: number;
  /** Present when the request reached a model (metered); absent for requests refused earlier. */
  readonly usage: UsageEvent | undefined;
}

export interface TelemetryChannels {
  readonly requestStart: diagnosticsChannel.Channel;
  readonly requestEnd: diagnosticsChannel.Channel;
  readonly snapshotSwap: diagnosticsChannel.Channel;
  readonly snapshotError: diagnosticsChannel.Channel;
  readonly alert: diagnosticsChannel.Channel;
  readonly limitRefused: diagnosticsChannel.Channel;
  readonly upstreamAttempt: diagnosticsChannel.Channel;
  readonly breakerChange: diagnosticsChannel.Channel;
  readonly policyDecision: diagnosticsChannel.Channel;
  readonly guardrailHit: diagnosticsChannel.Channel;
  readonly toolCall: diagnosticsChannel.Channel;
  readonly agentDrift: diagnosticsChannel.Channel;
}

export function telemetryChannels(): TelemetryChannels {
  return {
    requestStart: diagnosticsChannel.channel(CHANNEL_NAMES.requestStart),
    requestEnd: diagnosticsChannel.channel(CHANNEL_NAMES.requestEnd),
    snapshotSwap: diagnosticsChannel.channel(CHANNEL_NAMES.snapshotSwap),
    snapshotError: diagnosticsChannel.channel(CHANNEL_NAMES.snapshotError),
    alert: diagnosticsChannel.channel(CHANNEL_NAMES.alert),
    limitRefused: diagnosticsChannel.channel(CHANNEL_NAMES.limitRefused),
    upstreamAttempt: diagnosticsChannel.channel(CHANNEL_NAMES.upstreamAttempt),
    breakerChange: diagnosticsChannel.channel(CHANNEL_NAMES.breakerChange),
    policyDecision: diagnosticsChannel.channel(CHANNEL_NAMES.policyDecision),
    guardrailHit: diagnosticsChannel.channel(CHANNEL_NAMES.guardrailHit),
    toolCall: diagnosticsChannel.channel(CHANNEL_NAMES.toolCall),
    agentDrift: diagnosticsChannel.channel(CHANNEL_NAMES.agentDrift),
  };
}
