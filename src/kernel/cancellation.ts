/**
 * The part of AbortSignal that Gantry uses. A real AbortSignal satisfies it, so tests and callers may
 * pass one; the data plane uses the lighter `Cancellation` below, one per request.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A one-shot cancellation (controller and signal in one object). An AbortController is an
 * EventTarget and costs several microseconds to create and to (un)subscribe; on a path that serves
 * thousands of requests per second that is measurable. Listeners run once, in order, on abort.
 */
export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] | undefined = undefined;

  get signal(): CancelSignal {
    return this;
  }

  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new Error('This operation was aborted');
    const listeners = this.listeners;
    this.listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A failing listener must not stop the others from being told (they free resources).
      }
    }
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return; // like AbortSignal: no event after the fact
    if (this.listeners) this.listeners.push(listener);
    else this.listeners = [listener];
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const listeners = this.listeners;
    if (!listeners) return;
    const i = listeners.indexOf(listener);
    if (i !== -1) listeners.splice(i, 1);
  }
}
