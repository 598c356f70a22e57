import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSseParser } from '../../kernel/sse/parser.js';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { ProviderCallContext, Timeouts } from '../contract.js';
import { createAnthropicProvider } from './provider.js';
import { createStreamTranslator } from './stream.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TIMEOUTS: Timeouts = { connectMs: 1000, headersMs: 2000, bodyIdleMs: 2000 };
const hello: ChatCompletionRequest = { model: 'public-name', messages: [{ role: 'user', content: 'hi' }] };

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const lastBody = () => JSON.parse(seen.at(-1)?.body ?? '{}') as Record<string, unknown>;

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
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function provider(extra: { apiKey?: string; apiKeyEnvName?: string; url?: string; version?: string } = {}) {
  return createAnthropicProvider({
    name: 'claude',
    baseUrl: extra.url ?? baseUrl,
    apiKey: extra.apiKey ?? 'sk-ant-test',
    apiKeyEnvName: extra.apiKeyEnvName,
    headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' },
    anthropicVersion: extra.version,
  });
}

function ctx(timeouts = TIMEOUTS, signal = new AbortController().signal): ProviderCallContext {
  return { requestId: 'req-1', signal, deployment: { id: 'claude/claude-sonnet-4-5', provider: 'claude', upstreamModel: 'claude-sonnet-4-5', timeouts, faults: undefined } };
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

const contentOf = (chunks: ChatCompletionChunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('anthropic provider: requests', () => {
  it('posts to /v1/messages with x-api-key, anthropic-version and the translated body', async () => {
    handler = status(200, fixture('text.json'));
    await provider().chat(
      {
        model: 'public-name',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in English.' }] },
          { role: 'user', content: 'Capital of France?' },
        ],
        temperature: 0.2,
        stop: 'END',
        user: 'u-42',
        seed: 7,
      },
      ctx(),
    );
    const req = seen.at(-1);
    expect(req?.url).toBe('/v1/messages');
    expect(req?.headers['x-api-key']).toBe('sk-ant-test');
    expect(req?.headers['anthropic-version']).toBe('2023-06-01');
    expect(req?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.authorization).toBeUndefined();
    expect(lastBody()).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: [
        { type: 'text', text: 'Be brief.' },
        { type: 'text', text: 'Answer in English.' },
      ],
      messages: [{ role: 'user', content: 'Capital of France?' }],
      temperature: 0.2,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-42' },
    });
  });

  it('accepts a base URL ending in /v1 and a pinned anthropic-version', async () => {
    handler = status(200, fixture('text.json'));
    await provider({ url: `${baseUrl}/v1/`, version: '2024-01-01' }).chat(hello, ctx());
    expect(seen.at(-1)?.url).toBe('/v1/messages');
    expect(seen.at(-1)?.headers['anthropic-version']).toBe('2024-01-01');
  });

  it('sends tool calls and tool results as tool_use / tool_result blocks in alternating turns, images as sources', async () => {
    handler = status(200, fixture('text.json'));
    await provider().chat(
      {
        model: 'm',
        max_completion_tokens: 300,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Weather here?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/sky.jpg', detail: 'high' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
          { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '25C' }] },
        ],
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        tool_choice: 'required',
        parallel_tool_calls: false,
      },
      ctx(),
    );
    expect(lastBody()).toMatchObject({
      max_tokens: 300,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather here?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/sky.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Tokyo' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '25C' },
          ],
        },
      ],
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
  });

  it('refuses what it cannot translate with GW_REQUEST_INVALID naming the field, without calling the upstream', async () => {
    const before = seen.length;
    const bad = (extra: Partial<ChatCompletionRequest>, param: string) =>
      expect(provider().chat({ ...hello, ...extra }, ctx())).rejects.toMatchObject({ code: 'GW_REQUEST_INVALID', status: 400, param });
    await bad({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }, 'messages[0].tool_calls[0].function.arguments');
    await bad({ response_format: { type: 'json_object' } }, 'response_format');
    await bad({ n: 2 }, 'n');
    await bad({ temperature: 1.5 }, 'temperature');
    await bad({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AAAA' } }] }] }, 'messages[0].content[0].image_url.url');
    await bad({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }, 'messages[0].content[0].type');
    expect(seen.length).toBe(before);
  });

  it('answers embeddings with GW_MODEL_WRONG_ENDPOINT', async () => {
    await expect(provider().embeddings({ model: 'x', input: 'a' }, ctx())).rejects.toMatchObject({ code: 'GW_MODEL_WRONG_ENDPOINT', status: 400 });
  });

  it('names the unset environment variable of a missing key, without calling the upstream', async () => {
    const before = seen.length;
    const p = createAnthropicProvider({ name: 'claude', baseUrl, apiKey: undefined, apiKeyEnvName: 'ANTHROPIC_API_KEY' });
    const err = await p.chat(hello, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_PROVIDER_MISCONFIGURED', status: 500 });
    expect(String(err)).toContain('ANTHROPIC_API_KEY');
    expect(seen.length).toBe(before);
    await p.close();
  });
});

describe('anthropic provider: responses', () => {
  it('translates a text answer with prompt-cache usage', async () => {
    handler = status(200, fixture('text.json'));
    const r = await provider().chat(hello, ctx());
    expect(r).toMatchObject({ id: 'msg_01XFDUDYJgAACzvnptvVoYEL', object: 'chat.completion', model: 'claude-sonnet-4-5-20250929' });
    expect(r.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Paris is the capital of France.' }, finish_reason: 'stop' });
    // prompt = 12 uncached + 1024 cache reads + 2048 cache writes.
    expect(r.usage).toEqual({
      prompt_tokens: 3084,
      completion_tokens: 9,
      total_tokens: 3093,
      prompt_tokens_details: { cached_tokens: 1024 },
      cache_creation_input_tokens: 2048,
    });
  });

  it('translates tool_use blocks into tool_calls and keeps thinking blocks with their signatures', async () => {
    handler = status(200, fixture('tool-use.json'));
    const tools = await provider().chat(hello, ctx());
    expect(tools.choices[0]?.finish_reason).toBe('tool_calls');
    expect(tools.choices[0]?.message.content).toBe("I'll check the weather in both cities.");
    expect(tools.choices[0]?.message.tool_calls).toEqual([
      { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: 'toolu_01B7ZkJ2Zf3vMqjP5hX8nRt', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo","unit":"celsius"}' } },
    ]);
    handler = status(200, fixture('thinking.json'));
    const thought = await provider().chat(hello, ctx());
    const m = thought.choices[0]?.message;
    expect(m?.content).toBe('27 × 453 = 12,231.');
    expect(m?.reasoning_content).toContain('12231');
    expect(m?.thinking_blocks).toEqual(JSON.parse(fixture('thinking.json')).content.slice(0, 2));
  });

  it('sends thinking blocks of an earlier turn back first and unchanged', async () => {
    handler = status(200, fixture('text.json'));
    const blocks = JSON.parse(fixture('thinking.json')).content.slice(0, 2);
    await provider().chat(
      {
        model: 'm',
        thinking: { type: 'enabled', budget_tokens: 2000 },
        messages: [
          { role: 'user', content: '27 * 453?' },
          { role: 'assistant', content: '12,231.', thinking_blocks: blocks },
          { role: 'user', content: 'And doubled?' },
        ],
      },
      ctx(),
    );
    const body = lastBody();
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2000 });
    expect(body.max_tokens).toBe(6096);
    expect((body.messages as unknown[])[1]).toEqual({ role: 'assistant', content: [...blocks, { type: 'text', text: '12,231.' }] });
  });

  it('refuses a 2xx body that is not an Anthropic message', async () => {
    handler = status(200, '<html>proxy login</html>', { 'content-type': 'text/html' });
    await expect(provider().chat(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
    handler = status(200, '{"choices":[]}');
    await expect(provider().chat(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
  });
});

describe('anthropic provider: streams', () => {
  it('streams text as a role chunk, content deltas, a finish chunk and a final usage chunk', async () => {
    handler = sse(fixture('text-stream.sse'));
    const chunks = await collect(await provider().chatStream({ ...hello, stream: true }, ctx()));
    expect(lastBody().stream).toBe(true);
    expect(seen.at(-1)?.headers.accept).toBe('text/event-stream');
    expect(chunks[0]?.choices[0]?.delta).toEqual({ role: 'assistant', content: '' });
    expect(contentOf(chunks)).toBe('Paris is the capital of France.');
    expect(chunks.every((c) => c.id === 'msg_01StreamText0000000001' && c.model === 'claude-sonnet-4-5-20250929')).toBe(true);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 3084, completion_tokens: 9, total_tokens: 3093, prompt_tokens_details: { cached_tokens: 1024 }, cache_creation_input_tokens: 2048 },
    });
  });

  it('streams tool_use blocks as tool_calls deltas with one index per call', async () => {
    handler = sse(fixture('tool-stream.sse'));
    const chunks = await collect(await provider().chatStream(hello, ctx()));
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
    const args = (i: number) => calls.filter((c) => c.index === i).map((c) => c.function?.arguments ?? '').join('');
    expect(JSON.parse(args(0))).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(JSON.parse(args(1))).toEqual({ city: 'Tokyo', unit: 'celsius' });
    expect(calls.filter((c) => c.id).map((c) => c.index)).toEqual([0, 1]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
  });

  it('streams thinking as reasoning_content and one signed thinking block', async () => {
    handler = sse(fixture('thinking-stream.sse'));
    const chunks = await collect(await provider().chatStream(hello, ctx()));
    expect(chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? '').join('')).toBe('27 * 453 = 10800 + 1431 = 12231.');
    const blocks = chunks.flatMap((c) => (c.choices[0]?.delta.thinking_blocks as unknown[] | undefined) ?? []);
    expect(blocks).toEqual([{ type: 'thinking', thinking: '27 * 453 = 10800 + 1431 = 12231.', signature: expect.stringMatching(/^EqQB.*==$/) }]);
    expect(contentOf(chunks)).toBe('27 × 453 = 12,231.');
  });

  it('decodes multi-byte UTF-8 split across network chunks at every byte position', async () => {
    const bytes = Buffer.from(fixture('utf8-stream.sse'));
    const expected = 'Grüße 👋🏽 東京は晴れ — ça va ✓';
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const parser = createSseParser();
      const t = createStreamTranslator(0, 'm');
      const chunks = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut)), ...parser.end()].flatMap((e) => t.event(e.data));
      if (contentOf(chunks) !== expected) throw new Error(`split at byte ${cut} gave ${contentOf(chunks)}`);
    }
    // And over a real socket, three bytes at a time.
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const timer = setInterval(() => {
        res.write(bytes.subarray(i, i + 3));
        i += 3;
        if (i >= bytes.length) {
          clearInterval(timer);
          res.end();
        }
      }, 0);
    };
    expect(contentOf(await collect(await provider().chatStream(hello, ctx())))).toBe(expected);
  });

  it('fails with GW_UPSTREAM_STREAM_INTERRUPTED on an in-band error event, after what was delivered', async () => {
    handler = sse(fixture('error-stream.sse'));
    const got: ChatCompletionChunk[] = [];
    const err = await (async () => {
      for await (const c of await provider().chatStream(hello, ctx())) got.push(c);
    })().catch((e: unknown) => e);
    expect(contentOf(got)).toBe('The answer');
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED', upstreamStatus: 529 });
    expect(String(err)).toContain('overloaded_error: Overloaded');
  });

  it('throws an error event that comes before message_start from chatStream, as the status it stands for', async () => {
    handler = sse(fixture('overloaded-stream.sse'));
    await expect(provider().chatStream(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR', status: 502, upstreamStatus: 529 });
    handler = sse('event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}\n\n');
    await expect(provider().chatStream(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_RATE_LIMITED', status: 429 });
  });

  it('fails with GW_UPSTREAM_STREAM_INTERRUPTED when the stream ends without message_stop', async () => {
    handler = sse(fixture('cut-stream.sse'));
    await expect(collect(await provider().chatStream(hello, ctx()))).rejects.toMatchObject({ code: 'GW_UPSTREAM_STREAM_INTERRUPTED' });
  });

  it('reports max_tokens as finish_reason length', async () => {
    handler = sse(fixture('max-tokens-stream.sse'));
    const chunks = await collect(await provider().chatStream({ ...hello, max_tokens: 3 }, ctx()));
    expect(lastBody().max_tokens).toBe(3);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
  });

  it('refuses a JSON answer to a stream request', async () => {
    handler = status(200, fixture('text.json'));
    await expect(provider().chatStream(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_ERROR' });
  });
});

describe('anthropic provider: failures', () => {
  const anthropicError = (type: string, message: string) => JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_011CSHoEeqs5C35K2UUqR7Fy' });
  const table: [number, string, Record<string, unknown>, Record<string, string>?][] = [
    [400, 'invalid_request_error', { code: 'GW_UPSTREAM_REJECTED', status: 400, upstreamStatus: 400 }],
    [401, 'authentication_error', { code: 'GW_UPSTREAM_AUTH', status: 502, upstreamStatus: 401 }],
    [403, 'permission_error', { code: 'GW_UPSTREAM_AUTH', upstreamStatus: 403 }],
    [404, 'not_found_error', { code: 'GW_UPSTREAM_REJECTED', status: 404 }],
    [413, 'request_too_large', { code: 'GW_UPSTREAM_REJECTED', status: 413 }],
    [429, 'rate_limit_error', { code: 'GW_UPSTREAM_RATE_LIMITED', status: 429, retryAfter: 17 }, { 'retry-after': '17' }],
    [500, 'api_error', { code: 'GW_UPSTREAM_ERROR', status: 502, upstreamStatus: 500 }],
    [529, 'overloaded_error', { code: 'GW_UPSTREAM_ERROR', status: 502, upstreamStatus: 529 }],
  ];
  it.each(table)('maps upstream %i %s', async (code, type, expected, headers) => {
    const body = anthropicError(type, `upstream says ${type}`);
    handler = status(code, body, headers);
    const err = await provider().chat(hello, ctx()).catch((e: unknown) => e);
    expect(err).toMatchObject(expected);
    expect(String((err as Error).message)).toContain(`${type}: upstream says ${type}`);
    const streamErr = await provider().chatStream(hello, ctx()).catch((e: unknown) => e);
    expect(streamErr).toMatchObject(expected);
  });

  it('times out waiting for headers and between body chunks', async () => {
    handler = (_req, _body, res) => setTimeout(() => res.writeHead(200).end('{}'), 500);
    await expect(provider().chat(hello, ctx({ ...TIMEOUTS, headersMs: 50 }))).rejects.toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT', status: 504 });
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(fixture('cut-stream.sse'));
      setTimeout(() => res.end(), 600);
    };
    const stream = await provider().chatStream(hello, ctx({ ...TIMEOUTS, bodyIdleMs: 50 }));
    await expect(collect(stream)).rejects.toMatchObject({ code: 'GW_UPSTREAM_TIMEOUT' });
  });

  it('reports an unreachable upstream', async () => {
    const p = provider({ url: 'http://127.0.0.1:1' });
    await expect(p.chat(hello, ctx())).rejects.toMatchObject({ code: 'GW_UPSTREAM_UNREACHABLE', status: 502 });
    await p.close();
  });

  it('stops the upstream request when the signal aborts mid-stream', async () => {
    let upstreamClosed = false;
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(fixture('cut-stream.sse'));
      const delta = 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"}}\n\n';
      const timer = setInterval(() => res.write(delta), 5);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed = !res.writableFinished;
      });
    };
    const abort = new AbortController();
    const stream = await provider().chatStream(hello, ctx(TIMEOUTS, abort.signal));
    let n = 0;
    const err = await (async () => {
      for await (const _ of stream) if (++n === 4) abort.abort(new Error('client gone'));
    })().catch((e: unknown) => e);
    expect(String(err)).toContain('client gone');
    await new Promise((r) => setTimeout(r, 50));
    expect(upstreamClosed).toBe(true);
  });
});
