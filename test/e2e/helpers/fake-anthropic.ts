import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const FIXTURES = resolve(import.meta.dirname, '../../../src/providers/anthropic/fixtures');

/** A recorded Anthropic answer (src/providers/anthropic/fixtures) read as text. */
export const anthropicFixture = (name: string): string => readFileSync(resolve(FIXTURES, name), 'utf8');

export type FakeAnthropicReply =
  | { readonly status?: number; readonly json: string; readonly headers?: Record<string, string> }
  /** An SSE transcript, written `chunkBytes` bytes at a time (default: all at once). */
  | { readonly sse: string; readonly chunkBytes?: number };

export interface RecordedAnthropicRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/**
 * A recording stand-in for api.anthropic.com: POST /v1/messages answers with the replies queued by
 * the test, in order (the last one repeats), byte for byte as recorded.
 */
export async function startFakeAnthropic() {
  const requests: RecordedAnthropicRequest[] = [];
  let queue: FakeAnthropicReply[] = [{ json: anthropicFixture('text.json') }];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', headers: req.headers, body: JSON.parse(raw || '{}') as Record<string, unknown> });
      const reply = queue.length > 1 ? queue.shift()! : queue[0]!;
      if ('json' in reply) {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', 'request-id': 'req_fake', ...reply.headers }).end(reply.json);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      const bytes = Buffer.from(reply.sse);
      const step = reply.chunkBytes ?? bytes.length;
      let i = 0;
      const timer = setInterval(() => {
        res.write(bytes.subarray(i, i + step));
        i += step;
        if (i >= bytes.length) {
          clearInterval(timer);
          res.end();
        }
      }, 0);
      res.on('close', () => clearInterval(timer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** Queues the replies of the next calls. */
    reply(...replies: FakeAnthropicReply[]) {
      queue = replies;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
