import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { AlertMessage } from '../../telemetry/channels.js';
import type { AlertWebhookFailure } from '../../telemetry/prometheus/metrics.js';
import type { AlertWebhookSettings } from '../settings.js';
import { renderPayload, signatureHeader } from './payload.js';

/** How hard delivery tries. The defaults make 6 attempts over about a minute. */
export interface WebhookPolicy {
  readonly attempts: number;
  /** Backoff before retry n is base × 2^(n−1), capped at maxDelayMs, with ±25% jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A receiver's retry-after is honoured up to this long. */
  readonly maxRetryAfterMs: number;
  /** Per attempt, connection to end of the response headers. */
  readonly timeoutMs: number;
  /** Undelivered alerts kept in memory; beyond it the oldest is dropped (and counted). */
  readonly maxQueue: number;
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  /** close(): how long the last attempts may take. */
  readonly flushTimeoutMs: number;
}

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  attempts: 6,
  baseDelayMs: 2_000,
  maxDelayMs: 32_000,
  maxRetryAfterMs: 300_000,
  timeoutMs: 10_000,
  maxQueue: 1_000,
  concurrency: 4,
  flushTimeoutMs: 5_000,
};

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface WebhookDeliveryOptions {
  readonly settings: AlertWebhookSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fetch?: FetchLike;
  readonly policy?: Partial<WebhookPolicy>;
  readonly onFailure?: (reason: AlertWebhookFailure) => void;
  /** [0, 1); tests pass a constant. */
  readonly random?: () => number;
  /** Sent as user-agent. */
  readonly userAgent?: string;
}

export interface WebhookDelivery {
  enqueue(message: AlertMessage): void;
  /** Alerts not yet delivered nor given up on. */
  pending(): number;
  /** Gives every queued alert one last attempt (bounded by flushTimeoutMs), then drops the rest. */
  close(): Promise<void>;
}

interface Item {
  readonly message: AlertMessage;
  readonly body: string;
  attempts: number;
  dueAt: number;
  sending: boolean;
}

/** Only scheme, host and port: a webhook URL's path or query may be its secret (Slack). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A fetch failure described without its message (undici messages may quote the URL). */
function failureCode(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timeout';
    const cause = (err as Error & { cause?: { code?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') return cause.code;
    return err.name;
  }
  return 'error';
}

/**
 * Signed webhook delivery with retries: 2xx is done; 408, 429, 5xx, timeouts and network errors are
 * retried with exponential backoff and jitter (a retry-after is honoured); any other status is a
 * permanent refusal. Nothing here ever throws into the caller or blocks it.
 */
export function createWebhookDelivery(options: WebhookDeliveryOptions): WebhookDelivery {
  const policy: WebhookPolicy = { ...DEFAULT_WEBHOOK_POLICY, ...options.policy };
  const { settings, clock, logger } = options;
  const doFetch: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const random = options.random ?? Math.random;
  const origin = webhookOrigin(settings.url);
  const failed = (reason: AlertWebhookFailure) => options.onFailure?.(reason);
  const items: Item[] = [];
  const shutdown = new AbortController();
  let inFlight = 0;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  let closed = false;
  let drained: (() => void) | undefined;

  const remove = (item: Item) => {
    const i = items.indexOf(item);
    if (i !== -1) items.splice(i, 1);
    if (items.length === 0) drained?.();
  };

  function backoff(attempts: number, retryAfterMs: number | undefined): number {
    const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - 1));
    const jittered = Math.round(exp * (0.75 + random() * 0.5));
    return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
  }

  function schedule(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (closed) return;
    let next = Number.POSITIVE_INFINITY;
    for (const item of items) if (!item.sending && item.dueAt < next) next = item.dueAt;
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(pump, Math.max(0, next - clock.now()));
    timer.unref();
  }

  function pump(): void {
    if (closed) return;
    const now = clock.now();
    for (const item of items) {
      if (inFlight >= policy.concurrency) break;
      if (!item.sending && item.dueAt <= now) void send(item);
    }
    schedule();
  }

  async function attempt(item: Item): Promise<{ ok: true } | { ok: false; retry: boolean; status?: number; code?: string; retryAfterMs?: number }> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': options.userAgent ?? 'gantry-alerts',
      'x-gantry-alert-id': item.message.id,
    };
    if (settings.secret) headers['x-gantry-signature'] = signatureHeader(settings.secret, item.body, Math.floor(clock.now() / 1000));
    const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(policy.timeoutMs)]);
    try {
      const res = await doFetch(settings.url, { method: 'POST', headers, body: item.body, signal, redirect: 'manual' });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true };
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      return { ok: false, retry, status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), clock.now()) };
    } catch (err) {
      return { ok: false, retry: true, code: failureCode(err) };
    }
  }

  async function send(item: Item): Promise<void> {
    // An attempt started before close() began may still get its one last try during close().
    const lastChance = closing;
    item.sending = true;
    item.attempts += 1;
    inFlight += 1;
    const result = await attempt(item);
    inFlight -= 1;
    item.sending = false;
    const log = { alertId: item.message.id, attempt: item.attempts, webhook: origin };
    if (result.ok) {
      logger.debug(log, 'alert delivered to the webhook');
      remove(item);
    } else if (!result.retry) {
      logger.warn({ ...log, status: result.status }, 'the alert webhook refused the alert (not retried: check GANTRY_ALERT_WEBHOOK_URL and the receiver)');
      failed('rejected');
      remove(item);
    } else if (closing && !closed && !lastChance && item.attempts < policy.attempts) {
      item.dueAt = 0;
    } else if (closing) {
      logger.warn({ ...log, status: result.status, error: result.code }, 'alert not delivered before shutdown');
      failed('shutdown');
      remove(item);
    } else if (item.attempts >= policy.attempts) {
      logger.warn({ ...log, status: result.status, error: result.code }, `alert webhook delivery failed ${item.attempts} times; giving up on this alert`);
      failed('exhausted');
      remove(item);
    } else {
      const delay = backoff(item.attempts, result.retryAfterMs);
      item.dueAt = clock.now() + delay;
      logger.info({ ...log, status: result.status, error: result.code, retryInMs: delay }, 'alert webhook delivery failed; will retry');
    }
    pump();
  }

  return {
    enqueue(message) {
      if (closed) {
        failed('shutdown');
        return;
      }
      if (items.length >= policy.maxQueue) {
        const oldest = items.find((i) => !i.sending);
        if (!oldest) {
          failed('dropped');
          return;
        }
        remove(oldest);
        logger.warn({ alertId: oldest.message.id, queued: items.length, webhook: origin }, 'alert webhook queue is full: dropped the oldest undelivered alert');
        failed('dropped');
      }
      items.push({ message, body: renderPayload(message, settings.format), attempts: 0, dueAt: clock.now(), sending: false });
      pump();
    },
    pending: () => items.length,
    async close() {
      if (closing) return;
      closing = true;
      for (const item of items) item.dueAt = 0;
      const done = new Promise<void>((resolve) => {
        drained = resolve;
        if (items.length === 0) resolve();
      });
      pump();
      const waitFor = async (ms: number) => {
        let t: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise<void>((resolve) => (t = setTimeout(resolve, ms)))]);
        clearTimeout(t);
      };
      await waitFor(policy.flushTimeoutMs);
      closed = true;
      if (timer) clearTimeout(timer);
      // Attempts still running are cut short; each counts itself as undelivered when it returns.
      shutdown.abort();
      const waiting = items.filter((i) => !i.sending);
      for (const item of waiting) {
        remove(item);
        failed('shutdown');
      }
      await waitFor(1_000);
      if (waiting.length > 0) logger.warn({ undelivered: waiting.length, webhook: origin }, 'shutdown: alerts still queued for the webhook were dropped (they are in the audit log)');
    },
  };
}
