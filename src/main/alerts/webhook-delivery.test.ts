import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { AlertMessage } from '../../telemetry/channels.js';
import type { AlertWebhookFailure } from '../../telemetry/prometheus/metrics.js';
import { createWebhookDelivery, parseRetryAfter, type WebhookDelivery, type WebhookPolicy } from './webhook-delivery.js';

const SECRET = 'whsec_test_0123456789';
const PATH_SECRET = '/hooks/T000/B000/pathsecret?token=querysecret';

const alert: AlertMessage = {
  type: 'budget_threshold',
  id: 'budget_threshold:team-a-monthly:2026-11:80',
  at: Date.UTC(2026, 10, 20, 10, 0, 0),
  subject: 'team-a-monthly',
  window: '2026-11',
  thresholdPercent: 80,
  spentMicros: 40_000_000,
  referenceMicros: 50_000_000,
  enforcement: 'hard',
  summary: 'Budget team-a-monthly has used 80% of $50.00 (window 2026-11).',
};

interface Received {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Reply = (res: ServerResponse, n: number) => void;

/** A webhook receiver answering with `replies` in order (the last repeats). */
async function receiver(...replies: Reply[]) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ at: Date.now(), headers: req.headers, body });
      const reply = replies[Math.min(received.length - 1, replies.length - 1)]!;
      reply(res, received.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH_SECRET}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const status = (code: number, headers: Record<string, string> = {}): Reply => (res) => res.writeHead(code, headers).end('x');
const hang: Reply = () => undefined;

function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (obj: object | string, msg?: string) => lines.push(JSON.stringify(obj) + (msg ?? ''));
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return { logger, lines };
}

/** The receiver side, as docs/alerts.md shows it. */
function verify(secret: string, header: string, body: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest('hex');
  return parts.v1 !== undefined && timingSafeEqual(Buffer.from(expected), Buffer.from(parts.v1));
}

const FAST: Partial<WebhookPolicy> = { baseDelayMs: 20, maxDelayMs: 40, timeoutMs: 2_000, flushTimeoutMs: 500 };

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function start(url: string, extra: { format?: 'gantry' | 'slack'; secret?: string | undefined; policy?: Partial<WebhookPolicy> } = {}) {
  const { logger, lines } = captureLogger();
  const failures: AlertWebhookFailure[] = [];
  const delivery: WebhookDelivery = createWebhookDelivery({
    settings: { url, secret: 'secret' in extra ? extra.secret : SECRET, format: extra.format ?? 'gantry' },
    clock: systemClock,
    logger,
    policy: { ...FAST, ...extra.policy },
    onFailure: (r) => failures.push(r),
  });
  cleanups.push(() => delivery.close());
  return { delivery, lines, failures };
}

describe('alert webhook delivery', () => {
  it('POSTs the gantry JSON with a verifiable HMAC signature and the alert id', async () => {
    const r = await receiver(status(204));
    cleanups.push(r.close);
    const { delivery, failures } = start(r.url);
    delivery.enqueue(alert);
    await until(() => r.received.length === 1 && delivery.pending() === 0);
    const got = r.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-gantry-alert-id']).toBe(alert.id);
    const signature = String(got.headers['x-gantry-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(SECRET, signature, got.body)).toBe(true);
    expect(verify('another-secret', signature, got.body)).toBe(false);
    expect(Math.abs(Number(/t=(\d+)/.exec(signature)![1]) - Date.now() / 1000)).toBeLessThan(5);
    expect(JSON.parse(got.body)).toEqual({
      id: alert.id,
      type: 'budget_threshold',
      at: '2026-11-20T10:00:00.000Z',
      subject: 'team-a-monthly',
      window: '2026-11',
      thresholdPercent: 80,
      enforcement: 'hard',
      spentMicros: 40_000_000,
      spentUsd: '40.000000',
      referenceMicros: 50_000_000,
      referenceUsd: '50.000000',
      summary: alert.summary,
    });
    expect(failures).toEqual([]);
  });

  it('sends a Slack incoming-webhook message ({text, blocks}); unsigned without a secret', async () => {
    const r = await receiver(status(200));
    cleanups.push(r.close);
    const { delivery } = start(r.url, { format: 'slack', secret: undefined });
    delivery.enqueue({ ...alert, summary: 'Budget <team-a> & co reached 80%' });
    await until(() => r.received.length === 1);
    const body = JSON.parse(r.received[0]!.body) as { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(body.text).toBe('Budget <team-a> & co reached 80%');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[1]!.text!.text).toBe('Budget &lt;team-a&gt; &amp; co reached 80%');
    expect(JSON.stringify(body.blocks[2])).toContain('$40.00');
    expect(r.received[0]!.headers['x-gantry-signature']).toBeUndefined();
  });

  it('retries 5xx, 429 and 408 with backoff until a 2xx, then stops', async () => {
    const r = await receiver(status(503), status(429), status(408), status(200));
    cleanups.push(r.close);
    const { delivery, failures } = start(r.url);
    delivery.enqueue(alert);
    await until(() => delivery.pending() === 0);
    expect(r.received).toHaveLength(4);
    expect(new Set(r.received.map((x) => x.headers['x-gantry-alert-id']))).toEqual(new Set([alert.id]));
    expect(r.received.map((x) => x.body)).toEqual(Array(4).fill(r.received[0]!.body));
    await new Promise((res) => setTimeout(res, 150));
    expect(r.received).toHaveLength(4);
    expect(failures).toEqual([]);
  });

  it('honours retry-after', async () => {
    const r = await receiver(status(429, { 'retry-after': '1' }), status(200));
    cleanups.push(r.close);
    const { delivery } = start(r.url);
    delivery.enqueue(alert);
    await until(() => r.received.length === 2);
    expect(r.received[1]!.at - r.received[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up at once on another 4xx, and after the last attempt on repeated failures', async () => {
    const refused = await receiver(status(401));
    cleanups.push(refused.close);
    const a = start(refused.url);
    a.delivery.enqueue(alert);
    await until(() => a.failures.length === 1);
    expect(a.failures).toEqual(['rejected']);
    await new Promise((res) => setTimeout(res, 100));
    expect(refused.received).toHaveLength(1);

    const down = await receiver(status(500));
    cleanups.push(down.close);
    const b = start(down.url, { policy: { attempts: 3 } });
    b.delivery.enqueue(alert);
    await until(() => b.failures.length === 1);
    expect(b.failures).toEqual(['exhausted']);
    expect(down.received).toHaveLength(3);
    expect(b.delivery.pending()).toBe(0);
  });

  it('times out a silent receiver and retries; unreachable receivers are retried too', async () => {
    const r = await receiver(hang, status(200));
    cleanups.push(r.close);
    const { delivery } = start(r.url, { policy: { timeoutMs: 100 } });
    delivery.enqueue(alert);
    await until(() => r.received.length === 2 && delivery.pending() === 0);

    const gone = start('http://127.0.0.1:1/hook?token=querysecret', { policy: { attempts: 2 } });
    gone.delivery.enqueue(alert);
    await until(() => gone.failures.length === 1);
    expect(gone.failures).toEqual(['exhausted']);
  });

  it('keeps a bounded queue: the oldest undelivered alert is dropped and counted', async () => {
    const r = await receiver(hang);
    cleanups.push(r.close);
    const { delivery, failures, lines } = start(r.url, { policy: { concurrency: 1, maxQueue: 2, timeoutMs: 60_000 } });
    delivery.enqueue({ ...alert, id: 'a1' }); // in flight (never answered)
    delivery.enqueue({ ...alert, id: 'a2' });
    delivery.enqueue({ ...alert, id: 'a3' }); // queue full: a2 (the oldest not in flight) is dropped
    expect(failures).toEqual(['dropped']);
    expect(delivery.pending()).toBe(2);
    expect(lines.some((l) => l.includes('"alertId":"a2"') && l.includes('queue is full'))).toBe(true);
  });

  it('close() gives queued alerts a last try, bounded in time, and counts the rest as undelivered', async () => {
    const ok = await receiver(status(503), status(200));
    cleanups.push(ok.close);
    const a = start(ok.url, { policy: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
    a.delivery.enqueue(alert);
    await until(() => ok.received.length === 1);
    await a.delivery.close(); // the retry was a minute away: close sends it now
    expect(ok.received).toHaveLength(2);
    expect(a.failures).toEqual([]);

    const silent = await receiver(hang);
    cleanups.push(silent.close);
    const b = start(silent.url, { policy: { timeoutMs: 60_000, flushTimeoutMs: 200 } });
    b.delivery.enqueue(alert);
    const t0 = Date.now();
    await b.delivery.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(b.failures).toEqual(['shutdown']);
    b.delivery.enqueue(alert);
    expect(b.failures).toEqual(['shutdown', 'shutdown']);
  });

  it('never logs the secret, nor the URL path or query', async () => {
    const r = await receiver(status(500), status(400));
    cleanups.push(r.close);
    const { delivery, lines, failures } = start(r.url);
    delivery.enqueue(alert);
    await until(() => failures.length === 1);
    const gone = start('http://127.0.0.1:1/hooks/T000/B000/pathsecret?token=querysecret', { policy: { attempts: 2 } });
    gone.delivery.enqueue(alert);
    await until(() => gone.failures.length === 1);
    const logged = [...lines, ...gone.lines].join('\n');
    expect(logged).toContain('http://127.0.0.1');
    for (const secret of [SECRET, 'pathsecret', 'querysecret', 'T000']) expect(logged).not.toContain(secret);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
