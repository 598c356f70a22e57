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
} as const;

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
}

export function telemetryChannels(): TelemetryChannels {
  return {
    requestStart: diagnosticsChannel.channel(CHANNEL_NAMES.requestStart),
    requestEnd: diagnosticsChannel.channel(CHANNEL_NAMES.requestEnd),
    snapshotSwap: diagnosticsChannel.channel(CHANNEL_NAMES.snapshotSwap),
    snapshotError: diagnosticsChannel.channel(CHANNEL_NAMES.snapshotError),
  };
}
