import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A recording OpenAI-compatible upstream: answers every chat call with a fixed completion; a stream
 * request gets an endless slow stream (one chunk every 20 ms) so tests can watch a disconnect travel.
 */
export async function startFakeUpstream() {
  const requests: RecordedRequest[] = [];
  /** Streams the upstream was serving when their connection closed before the end. */
  const cutStreams: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if ((JSON.parse(body || '{}') as { stream?: boolean }).stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const frame = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[{"index":0,"delta":{"content":"tick "},"finish_reason":null}]}\n\n';
        const timer = setInterval(() => res.write(frame), 20);
        res.on('close', () => {
          clearInterval(timer);
          if (!res.writableFinished) cutStreams.push(String(req.headers['x-gantry-request-id']));
        });
        return;
      }
      const reply = JSON.stringify({
        id: 'chatcmpl-fake',
        object: 'chat.completion',
        created: 1,
        model: 'fake-model',
        choices: [{ index: 0, message: { role: 'assistant', content: 'fake reply' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 400 } },
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    cutStreams,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
