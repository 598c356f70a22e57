import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { ProviderCallContext, Timeouts } from '../contract.js';
import { startSimulatorServer } from '../simulator/server.js';
import { createOpenAiCompatibleProvider } from './provider.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TIMEOUTS: Timeouts = { connectMs: 1000, headersMs: 2000, bodyIdleMs: 2000 };
const hello: ChatCompletionRequest = { model: 'public-name', messages: [{ role: 'user', content: 'hi' }] };

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function provider(extra: { apiKey?: string; apiKeyEnvName?: string; url?: string } = {}) {
  return createOpenAiCompatibleProvider({ name: 'up', baseUrl: extra.url ?? baseUrl, apiKey: extra.apiKey ?? 'sk-test', apiKeyEnvName: extra.apiKeyEnvName, headers: { 'x-org': 'acme' } });
}

function ctx(timeouts = TIMEOUTS, signal = new AbortController().signal): ProviderCallContext {
  return { requestId: 'req-1', signal, deployment: { id: 'up/upstream-name', provider: 'up', upstreamModel: 'upstream-name', timeouts, faults: undefined } };
}

const sse = (text: string): Handler => (_req, _body, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(text);
};
const status = (code: number, body: string, headers: Record<string, string> = {}): Handler => (_req, _body, res) => {
  res.writeHead(code, { 'content-type': 'application/json', ...headers }).end(body);
};

async function collect(stream: AsyncIterable<ChatCompletionChunk>) {
  const out: ChatCompletionChunk[] = [];
  for await (const c of stream) out.push(c);
  return out;
}

describe('openai-compatible provider', () => {
  it('sends the upstream model, the credential and extra headers, and returns the completion', async () => {
    handler = status(200, JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'upstream-name', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
    const r = await provider().chat({ ...hello, temperature: 0.3, custom_field: 'kept' }, ctx());
    expect(r.choices[0]?.message.content).toBe('ok');
    const req = seen.at(-1);
    expect(req?.url).toBe('/v1/chat/completions');
    expect(req?.headers.authorization).toBe('Bearer sk-test');
    expect(req?.headers['x-org']).toBe('acme');
    expect(req?.headers['x-gantry-request-id']).toBe('req-1');
    expect(JSON.parse(req?.body ?? '')).toEqual({ model: 'upstream-name', messages: hello.messages, temperature: 0.3, custom_field: 'kept' });
  });

  it('parses a vLLM stream with UTF-8 and forces include_usage upstream (golden transcript)', async () => {
    handler = sse(fixture('vllm-stream.sse'));
    const chunks = await collect(await provider().chatStream({ ...hello, stream: true }, ctx()));
    expect(JSON.parse(seen.at(-1)?.body ?? '').stream_options).toEqual({ include_usage: true });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Héllo wörld 🌍');
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 12, total_tokens: 17, completion_tokens: 5 });
  });

  it('passes tool-call deltas through unchanged (golden transcript)', async () => {
    handler = sse(fixture('openai-tool-stream.sse'));
    const chunks = await collect(await provider().chatStream({ ...hello, stream: true }, ctx()));
    const args = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? [])).map((t) => t.function?.arguments ?? '').join('');
    expect(args).toBe('{"city":"Paris"}');
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('accepts a stream that finished without [DONE] (llama.cpp / Ollama style)', async () => {
    handler = sse(fixture('llamacpp-no-done.sse'));
    const chunks = await collect(await provider().chatStream(hello, ctx()));
    expect(chunks).toHaveLength(2);
  });

  it('reports a stream cut before it finished', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`${fixture('vllm-stream.sse').split('\n\n').slice(0, 2).join('\n\n')}\n\n`);
      setTimeout(() => res.destroy(), 20);
    };
    const stream = await provider().chatStream(hello, ctx());
    await expect(collect(stream)).rejects.toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED' });
  });

  it('reports an in-band error event mid-stream', async () => {
    handler = sse('data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\ndata: {"error":{"message":"engine overloaded"}}\n\n');
    const err = await collect(await provider().chatStream(hello, ctx())).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED' });
    expect(String(err)).toContain('engine overloaded');
  });

  it.each([
    [500, '{"error":{"message":"boom"}}', {}, { code: 'GW_UPSTREAM_ERROR', status: 502, upstreamStatus: 500 }],
    [503, 'Service Unavailable', {}, { code: 'GW_UPSTREAM_ERROR', status: 502, upstreamStatus: 503 }],
    [429, '{"error":{"message":"slow down"}}', { 'retry-after': '7' }, { code: 'GW_UPSTREAM_RATE_LIMITED', status: 429, retryAfter: 7 }],
    [401, '{"error":{"message":"bad key"}}', {}, { code: 'GW_UPSTREAM_AUTH', status: 502, upstreamStatus: 401 }],
    [400, '{"error":{"message":"context length exceeded"}}', {}, { code: 'GW_UPSTREAM_REJECTED', status: 400, upstreamStatus: 400 }],
    [404, '{"detail":"model not found"}', {}, { code: 'GW_UPSTREAM_REJECTED', status: 404 }],
    [504, '', {}, { code: 'GW_UPSTREAM_TIMEOUT', status: 504 }],
  ])('maps upstream %i to the catalogue', async (code, body, headers, expected) => {
    handler = status(code, body, headers);
    const err = await provider().chat(hello, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject(expected);
    if (body.includes('message')) expect(String((err as Error).message)).toContain(JSON.parse(body).error.message);
    const streamErr = await provider().chatStream(hello, ctx()).catch((e: unknown) => e);
    expect(streamErr).toMatchObject(expected);
  });

  it('reports a JSON answer to a stream request as an upstream error with its message', async () => {
    handler = status(200, '{"error":{"message":"streaming disabled for this model"}}');
    const err = await provider().chatStream(hello, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
    expect(String(err)).toContain('streaming disabled for this model');
  });

  it('refuses a 2xx body that is not an OpenAI response', async () => {
    handler = status(200, '<html>proxy login</html>', { 'content-type': 'text/html' });
    await expect(provider().chat(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
    handler = status(200, '{"unexpected":true}');
    await expect(provider().chat(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
  });

  it('times out waiting for headers and between body chunks', async () => {
    handler = (_req, _body, res) => setTimeout(() => res.writeHead(200).end('{}'), 500);
    await expect(provider().chat(hello, ctx({ ...TIMEOUTS, headersMs: 50 }))).rejects.toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT', status: 504 });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n');
      setTimeout(() => res.end(), 600);
    };
    const stream = await provider().chatStream(hello, ctx({ ...TIMEOUTS, bodyIdleMs: 50 }));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT' });
  });

  it('reports an unreachable upstream', async () => {
    const p = provider({ url: 'http://127.0.0.1:1/v1' });
    await expect(p.chat(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_UNREACHABLE', status: 502 });
    await p.close();
  });

  it('names the unset environment variable of a missing key, without calling the upstream', async () => {
    const before = seen.length;
    const p = createOpenAiCompatibleProvider({ name: 'up', baseUrl, apiKey: undefined, apiKeyEnvName: 'MY_KEY_VAR' });
    const err = await p.chat(hello, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_PROVIDER_MISCONFIGURED', status: 500 });
    expect(String(err)).toContain('MY_KEY_VAR');
    expect(seen.length).toBe(before);
  });

  it('stops the upstream request when the signal aborts mid-stream', async () => {
    let upstreamClosed = false;
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n'), 5);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed = !res.writableFinished;
      });
    };
    const abort = new AbortController();
    const stream = await provider().chatStream(hello, ctx(TIMEOUTS, abort.signal));
    let n = 0;
    const err = await (async () => {
      for await (const _ of stream) if (++n === 3) abort.abort(new Error('client gone'));
    })().catch((e: unknown) => e);
    expect(String(err)).toContain('client gone');
    await new Promise((r) => setTimeout(r, 50));
    expect(upstreamClosed).toBe(true);
  });
});

describe('openai-compatible provider against the standalone simulator', () => {
  it('round-trips chat, streams, embeddings and injected faults over real HTTP', async () => {
    const sim = await startSimulatorServer({ host: '127.0.0.1', port: 0, instant: true });
    const p = createOpenAiCompatibleProvider({ name: 'sim', baseUrl: `${sim.url}/v1`, apiKey: undefined, apiKeyEnvName: undefined });
    const c = (model: string): ProviderCallContext => ({ ...ctx(), deployment: { ...ctx().deployment, upstreamModel: model } });
    try {
      const full = await p.chat({ model: 'x', messages: [{ role: 'user', content: '/echo hi' }] }, c('sim-small'));
      expect(JSON.parse(full.choices[0]?.message.content ?? '')).toEqual([{ role: 'user', content: '/echo hi' }]);
      const chunks = await collect(await p.chatStream({ model: 'x', messages: [{ role: 'user', content: 'hello' }] }, c('sim-large')));
      expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
      const e = await p.embeddings({ model: 'x', input: ['a', 'b'] }, c('sim-embed'));
      expect(e.data).toHaveLength(2);
      const faulty = (faults: string) =>
        createOpenAiCompatibleProvider({ name: 'sim', baseUrl: `${sim.url}/v1`, apiKey: undefined, apiKeyEnvName: undefined, headers: { 'x-simulator-faults': faults } });
      const cut = faulty('{"cutStreamAfterChunks":2}');
      await expect(collect(await cut.chatStream({ model: 'x', max_tokens: 30, messages: [{ role: 'user', content: 'hello' }] }, c('sim-small')))).rejects.toMatchObject({
        code: 'GW_UPSTREAM_STREAM_INTERRUPTED',
      });
      const failing = faulty('{"errorRate":1,"errorStatus":503}');
      await expect(failing.chat({ model: 'x', messages: [{ role: 'user', content: 'hello' }] }, c('sim-small'))).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR', upstreamStatus: 503 });
      await Promise.all([cut.close(), failing.close()]);
    } finally {
      await p.close();
      await sim.close();
    }
  });
});
