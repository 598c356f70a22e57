import { EventEmitter } from 'node:events';
import type { CancelSignal } from './cancellation.js';
import { GatewayError } from './errors/index.js';

/** The deadlines of one upstream call (a subset of the provider contract's Timeouts). */
export interface CallDeadlines {
  readonly headersMs: number;
  readonly bodyIdleMs: number;
}

/**
 * One HTTP call to an upstream, shared by the HTTP providers. It is the abort signal handed to undici
 * (an EventEmitter, which undici accepts and which costs far less than an AbortController per
 * request), linked to the caller's signal, and it owns the header and body-idle timers.
 */
export class UpstreamCall extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  private timer: NodeJS.Timeout | undefined;
  private idleArmed = false;
  private readonly forward = () => this.abort(this.signal.reason);

  constructor(
    private readonly signal: CancelSignal,
    private readonly deadlines: CallDeadlines,
  ) {
    super();
    const { headersMs } = deadlines;
    signal.addEventListener('abort', this.forward, { once: true });
    // Native timers: undici's own timeouts tick at ~1 s resolution, too coarse for a gateway deadline.
    this.timer = setTimeout(
      () => this.abort(new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream provider sent no response headers within ${headersMs} ms.`)),
      headersMs,
    );
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  /** Arms (or re-arms) the body idle timer; call on every received chunk. */
  touch(): void {
    if (this.idleArmed) {
      this.timer?.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.idleArmed = true;
    const { bodyIdleMs } = this.deadlines;
    this.timer = setTimeout(
      () => this.abort(new GatewayError('GW_UPSTREAM_TIMEOUT', `The upstream response was idle for more than ${bodyIdleMs} ms.`)),
      bodyIdleMs,
    );
  }

  /** Clears timers and unlinks from the caller's signal. */
  done(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.signal.removeEventListener('abort', this.forward);
  }
}
