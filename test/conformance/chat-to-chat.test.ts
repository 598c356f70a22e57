/**
 * Conformance: OpenAI chat clients served by OpenAI-compatible upstreams (OpenAI↔OpenAI). Each case
 * is a request and the result the client must see on the wire. Two upstreams: the simulator, and a
 * replay server that answers with recorded OpenAI/vLLM transcripts over real HTTP (byte splits,
 * failures and pauses included), so what the simulator cannot produce is covered too.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/main/gateway.js';
import { readThenDisconnect } from '../e2e/helpers/abort-stream.js';
import { ledgerEvent, startInProcessGateway } from './helpers/in-process-gateway.js';

const KEY = 'gk_conformance_chat_0123456789abcdefghij';
const fixture = (name: string) => readFileSync(new URL(`../../src/providers/openai-compatible/fixtures/${name}`, import.meta.url), 'utf8');
const frame = (chunk: object) => `data: ${JSON.stringify(chunk)}\n\n`;
const chunk = (delta: object, finish: string | null = null, index = 0) => ({
  id: 'chatcmpl-rec',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'recorded',
  choices: [{ index, delta, finish_reason: finish }],
});
const usage = (prompt: number, completion: number) => ({ id: 'chatcmpl-rec', object: 'chat.completion.chunk', created: 1, model: 'recorded', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });

/** Recorded upstream answers, by upstream model name: SSE bytes written in the given pieces. */
const RECORDINGS: Record<string, { pieces: (string | Buffer)[]; pauseMs?: number; cut?: boolean; endless?: boolean }> = {
  'rec-vllm-utf8': { pieces: [fixture('vllm-stream.sse')] },
  'rec-openai-tools': { pieces: [fixture('openai-tool-stream.sse')] },
  'rec-parallel-tools': {
    pieces: [
      frame(chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] })),
      frame(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] })),
      frame(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '' } }] })),
      frame(chunk({ tool_calls: [{ index: 1, function: { arguments: '{"city":' } }] })),
      frame(chunk({ tool_calls: [{ index: 1, function: { arguments: '"Oslo"}' } }] })),
      frame(chunk({}, 'tool_calls')),
      frame(usage(60, 24)),
      'data: [DONE]\n\n',
    ],
  },
  // "héllo 🌍" with the emoji's 4 bytes split across two network writes.
  'rec-split-utf8': (() => {
    const bytes = Buffer.from(frame(chunk({ role: 'assistant', content: 'héllo 🌍' })) + frame(chunk({}, 'stop')) + frame(usage(5, 3)) + 'data: [DONE]\n\n');
    const at = bytes.indexOf(Buffer.from('🌍')) + 2;
    return { pieces: [bytes.subarray(0, at), bytes.subarray(at)], pauseMs: 20 };
  })(),
  'rec-empty': { pieces: [frame(chunk({ role: 'assistant', content: '' })), frame(chunk({}, 'stop')), frame(usage(5, 0)), 'data: [DONE]\n\n'] },
  'rec-error-mid-stream': {
    pieces: [frame(chunk({ role: 'assistant', content: 'par' })), frame(chunk({ content: 'tial' })), 'data: {"error":{"message":"engine crashed","type":"server_error"}}\n\n'],
  },
  'rec-cut': { pieces: [frame(chunk({ role: 'assistant', content: 'cut ' })), frame(chunk({ content: 'here' }))], cut: true },
  'rec-endless': { pieces: [frame(chunk({ role: 'assistant', content: 'tick ' }))], endless: true },
};

let replay: Server;
let gateway: RunningGateway;
let client: OpenAI;
const upstreamClosedEarly = new Set<string>();

function modelDoc(name: string, provider: string, upstreamModel: string) {
  return `---\napiVersion: gantry/v1alpha1\nkind: Model\nmetadata: {name: ${name}}\nspec: {provider: ${provider}, upstreamModel: ${upstreamModel}, pricing: {inputPer1M: "1.00", outputPer1M: "2.00"}}\n`;
}

beforeAll(async () => {
  replay = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', async () => {
      const model = (JSON.parse(body) as { model: string }).model;
      const rec = RECORDINGS[model];
      if (!rec) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no such recording"}}');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => {
        if (!res.writableFinished) upstreamClosedEarly.add(String(req.headers['x-gantry-request-id']));
      });
      for (const piece of rec.pieces) {
        res.write(piece);
        if (rec.pauseMs) await new Promise((r) => setTimeout(r, rec.pauseMs));
      }
      if (rec.endless) {
        const timer = setInterval(() => res.write(frame(chunk({ content: 'tick ' }))), 10);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (rec.cut) res.socket?.end();
      else res.end();
    });
  });
  await new Promise<void>((r) => replay.listen(0, '127.0.0.1', r));
  const replayUrl = `http://127.0.0.1:${(replay.address() as AddressInfo).port}/v1`;
  const config =
    'apiVersion: gantry/v1alpha1\nkind: Provider\nmetadata: {name: sim}\nspec: {type: simulator, instant: true}\n' +
    '---\napiVersion: gantry/v1alpha1\nkind: Provider\nmetadata: {name: replay}\nspec: {type: openai-compatible, baseUrl: {fromEnv: REPLAY_URL}}\n' +
    modelDoc('sim', 'sim', 'sim-small') +
    Object.keys(RECORDINGS)
      .map((m) => modelDoc(m, 'replay', m))
      .join('');
  gateway = await startInProcessGateway({ config, key: KEY, env: { REPLAY_URL: replayUrl, GANTRY_USAGE_FLUSH_MS: '20' } });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  replay?.closeAllConnections();
  await new Promise((r) => replay?.close(r));
});

/** What a client assembles from a stream: text, tool calls, finish reason, usage, or the error. */
async function streamed(model: string, extra: Record<string, unknown> = {}) {
  const out = { text: '', calls: [] as { id?: string; name?: string; arguments: string }[], finish: null as string | null, usage: undefined as unknown, error: undefined as string | undefined };
  try {
    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'go' }], stream: true, stream_options: { include_usage: true }, ...extra } as OpenAI.ChatCompletionCreateParamsStreaming);
    for await (const c of stream) {
      if (c.usage) out.usage = c.usage;
      for (const choice of c.choices) {
        out.text += choice.delta.content ?? '';
        for (const tc of choice.delta.tool_calls ?? []) {
          if (!out.calls[tc.index]) out.calls[tc.index] = { arguments: '' };
          const call = out.calls[tc.index] as { id?: string; name?: string; arguments: string };
          if (tc.id) call.id = tc.id;
          if (tc.function?.name) call.name = tc.function.name;
          call.arguments += tc.function?.arguments ?? '';
        }
        out.finish = choice.finish_reason ?? out.finish;
      }
    }
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
  }
  return out;
}

const CASES: { name: string; model: string; extra?: Record<string, unknown>; expect: Record<string, unknown> }[] = [
  { name: 'recorded vLLM stream with multi-byte text', model: 'rec-vllm-utf8', expect: { text: 'Héllo wörld 🌍', finish: 'stop', error: undefined } },
  { name: 'recorded OpenAI tool-call argument deltas', model: 'rec-openai-tools', expect: { calls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }], finish: 'tool_calls' } },
  {
    name: 'parallel tool calls, arguments interleaved by index',
    model: 'rec-parallel-tools',
    expect: { calls: [{ id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' }, { id: 'call_b', name: 'get_weather', arguments: '{"city":"Oslo"}' }], finish: 'tool_calls' },
  },
  { name: 'a UTF-8 character split across network writes', model: 'rec-split-utf8', expect: { text: 'héllo 🌍', finish: 'stop' } },
  { name: 'empty content', model: 'rec-empty', expect: { text: '', finish: 'stop', error: undefined } },
  { name: 'max_tokens stop (simulator)', model: 'sim', extra: { max_tokens: 4 }, expect: { finish: 'length' } },
];

describe('OpenAI chat → OpenAI-compatible upstream (conformance)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await streamed(c.model, c.extra);
      expect(got).toMatchObject(c.expect);
      // Every successful stream ends with Gantry's usage chunk, priced.
      if (!got.error) expect(got.usage).toMatchObject({ gantry_cost_usd: expect.any(String) });
    });
  }

  it('usage reported by the upstream is what the client and the ledger see', async () => {
    const got = await streamed('rec-parallel-tools');
    expect(got.usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 24, gantry_cost_usd: '0.000108' }); // 60×1 + 24×2 = 108 micro-USD
  });

  it('tool results round-trip to the upstream unchanged (simulator /echo)', async () => {
    const messages = [
      { role: 'user' as const, content: 'weather?' },
      { role: 'assistant' as const, content: null, tool_calls: [{ id: 'call_1', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool' as const, tool_call_id: 'call_1', content: '{"temp":21}' },
      { role: 'user' as const, content: '/echo what did you get?' },
    ];
    const r = await client.chat.completions.create({ model: 'sim', messages });
    expect(JSON.parse(r.choices[0]?.message.content ?? '')).toEqual(messages);
  });

  it('an upstream error mid-stream reaches the client in-band and is recorded', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'rec-error-mid-stream', messages: [{ role: 'user', content: 'go' }], stream: true })
      .withResponse();
    let text = '';
    const err = await (async () => {
      for await (const c of data) text += c.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).toBe('partial');
    expect(String(err)).toContain('engine crashed');
    expect(await ledgerEvent(gateway, response.headers.get('x-gantry-request-id') ?? '')).toMatchObject({ outcome: 'upstream_error', errorCode: 'GW_UPSTREAM_STREAM_INTERRUPTED', usageEstimated: true });
  });

  it('a stream cut by the network is reported, not passed off as complete', async () => {
    const got = await streamed('rec-cut');
    expect(got.text).toBe('cut here');
    expect(got.error).toMatch(/ended before it was complete|GW_UPSTREAM_STREAM_INTERRUPTED/);
  });

  it('a client abort stops the upstream stream and is metered for what was delivered', async () => {
    const { requestId } = await readThenDisconnect({
      url: `${gateway.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${KEY}` },
      body: { model: 'rec-endless', stream: true, messages: [{ role: 'user', content: 'go' }] },
      pattern: /tick/,
      count: 3,
    });
    const event = await ledgerEvent(gateway, requestId);
    expect(event).toMatchObject({ outcome: 'client_aborted', usageEstimated: true });
    for (let i = 0; i < 50 && !upstreamClosedEarly.has(requestId); i++) await new Promise((r) => setTimeout(r, 20));
    expect(upstreamClosedEarly.has(requestId)).toBe(true);
  });
});
