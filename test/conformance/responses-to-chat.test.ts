/**
 * Conformance: OpenAI Responses API clients served by a chat provider (the simulator). Each case is
 * a /v1/responses request (optionally continuing the previous case's response) and the result the
 * client must see on the wire: HTTP status, response fields, text, and for streams the event
 * sequence (runs of the same delta event collapsed to "type*"). Runs the real gateway in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/main/gateway.js';
import { ledgerEvent, startInProcessGateway } from './helpers/in-process-gateway.js';

const KEY = 'gk_conformance_key_0123456789abcdefghij';
const CONFIG = `
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator, instant: true}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-small}
spec: {provider: simulator, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-cut}
spec: {provider: simulator, upstreamModel: sim-small, faults: {cutStreamAfterChunks: 3}, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-down}
spec: {provider: simulator, upstreamModel: sim-small, faults: {errorRate: 1, errorStatus: 503}, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
---
apiVersion: gantry/v1alpha1
kind: Model
metadata: {name: sim-slow}
spec: {provider: simulator, upstreamModel: sim-small, faults: {tokensPerSecond: 20}, pricing: {inputPer1M: "0.15", outputPer1M: "0.60"}}
`;

let gateway: RunningGateway;
beforeAll(async () => {
  gateway = await startInProcessGateway({ config: CONFIG, key: KEY, env: { GANTRY_USAGE_FLUSH_MS: '20' } });
});
afterAll(async () => {
  await gateway?.close();
});

type Json = Record<string, unknown>;

interface Seen {
  status: number;
  /** The response object (non-stream body, or the terminal event's response). */
  response: Json | undefined;
  error: Json | undefined;
  text: string;
  /** Event types in order, runs of the same type collapsed to "type*". */
  events: string[];
  /** Deltas joined per item id, checked against the .done events. */
  deltasMatchDone: boolean;
}

async function send(body: Json): Promise<Seen> {
  const res = await fetch(`${gateway.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const json = (await res.json()) as Json;
    const response = json.object === 'response' ? json : undefined;
    return { status: res.status, response, error: json.error as Json | undefined, text: response ? outputText(response) : '', events: [], deltasMatchDone: true };
  }
  const events: string[] = [];
  const deltas = new Map<string, string>();
  let deltasMatchDone = true;
  let response: Json | undefined;
  let error: Json | undefined;
  for (const frame of (await res.text()).split('\n\n')) {
    const data = frame.split('\n').find((l) => l.startsWith('data: '));
    if (!data) continue;
    const ev = JSON.parse(data.slice(6)) as Json;
    const type = ev.type as string;
    expect(frame.startsWith(`event: ${type}\n`)).toBe(true);
    const prev = events.at(-1);
    if (prev !== type && prev !== `${type}*`) events.push(type);
    else events[events.length - 1] = `${type}*`;
    if (type.endsWith('.delta')) deltas.set(ev.item_id as string, (deltas.get(ev.item_id as string) ?? '') + (ev.delta as string));
    if (type === 'response.output_text.done' && deltas.get(ev.item_id as string) !== ev.text) deltasMatchDone = false;
    if (type === 'response.function_call_arguments.done' && (deltas.get(ev.item_id as string) ?? '') !== ev.arguments) deltasMatchDone = false;
    if (type === 'error') error = ev;
    if (ev.response) response = ev.response as Json;
  }
  return { status: res.status, response, error, text: response ? outputText(response) : '', events, deltasMatchDone };
}

function outputText(response: Json): string {
  let text = '';
  for (const item of (response.output as Json[]) ?? []) {
    if (item.type !== 'message') continue;
    for (const part of item.content as Json[]) if (part.type === 'output_text') text += part.text as string;
  }
  return text;
}

const TEXT_EVENTS = [
  'response.created',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta*',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
];
const CALL_EVENTS = ['response.created', 'response.in_progress', 'response.output_item.added', 'response.function_call_arguments.delta*', 'response.function_call_arguments.done', 'response.output_item.done'];

const weather = { type: 'function', name: 'get_weather', description: 'Get the weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

interface Case {
  name: string;
  request: Json;
  /** Continue from the response of the case with this name (previous_response_id). */
  after?: string;
  /** Input items built from the previous response (e.g. a function_call_output for its call). */
  input?: (previous: Json) => Json[];
  expected: {
    status: number;
    response?: Json;
    text?: string | RegExp;
    events?: string[];
    error?: Json;
  };
}

const CASES: Case[] = [
  {
    name: 'text, non-stream',
    request: { model: 'sim-small', input: 'Hello there' },
    expected: { status: 200, response: { object: 'response', status: 'completed', model: 'sim-small', error: null, incomplete_details: null, output: [{ type: 'message', role: 'assistant', status: 'completed' }] }, text: /\w+/ },
  },
  {
    name: 'instructions and message items reach the model as system + turns',
    request: { model: 'sim-small', instructions: 'Be terse.', input: [{ role: 'developer', content: 'Dev rule.' }, { role: 'user', content: [{ type: 'input_text', text: '/echo hi' }] }], max_output_tokens: 500 },
    expected: { status: 200, text: '[{"role":"system","content":"Be terse."},{"role":"developer","content":"Dev rule."},{"role":"user","content":[{"type":"text","text":"/echo hi"}]}]' },
  },
  {
    name: 'text, stream',
    request: { model: 'sim-small', input: 'Tell me something', stream: true },
    expected: { status: 200, events: [...TEXT_EVENTS, 'response.completed'], response: { status: 'completed', usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } }, text: /\w+/ },
  },
  {
    name: 'multi-byte UTF-8, stream',
    request: { model: 'sim-small', input: '/echo 日本語のテキスト 🚀 émoji ß', stream: true, max_output_tokens: 500 },
    expected: { status: 200, events: [...TEXT_EVENTS, 'response.completed'], text: /日本語のテキスト 🚀 émoji ß/ },
  },
  {
    name: 'max_output_tokens, non-stream',
    request: { model: 'sim-small', input: 'Write a long story', max_output_tokens: 4 },
    expected: { status: 200, response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, usage: { output_tokens: 4 } } },
  },
  {
    name: 'max_output_tokens, stream',
    request: { model: 'sim-small', input: 'Write a long story', max_output_tokens: 4, stream: true },
    expected: { status: 200, events: [...TEXT_EVENTS, 'response.incomplete'], response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } },
  },
  {
    name: 'function tool call, non-stream',
    request: { model: 'sim-small', input: 'What is the weather in Paris?', tools: [weather] },
    expected: { status: 200, response: { status: 'completed', output: [{ type: 'function_call', name: 'get_weather', status: 'completed', call_id: expect.any(String), arguments: expect.stringContaining('city') }] } },
  },
  {
    name: 'function tool output round trip',
    after: 'function tool call, non-stream',
    request: { model: 'sim-small', tools: [weather] },
    input: (prev) => [{ type: 'function_call_output', call_id: ((prev.output as Json[])[0] as Json).call_id, output: '{"temp_c":18}' }],
    expected: { status: 200, response: { status: 'completed', output: [{ type: 'message' }] }, text: /get_weather.*temp_c/ },
  },
  {
    name: 'function tool call, stream with argument deltas',
    request: { model: 'sim-small', input: 'Weather in Rome?', tools: [weather], tool_choice: 'required', stream: true },
    expected: { status: 200, events: [...CALL_EVENTS, 'response.completed'], response: { output: [{ type: 'function_call', name: 'get_weather' }] } },
  },
  {
    name: 'forced tool via tool_choice',
    request: { model: 'sim-small', input: 'hello', tools: [weather, { type: 'function', name: 'get_time', parameters: { type: 'object', properties: {} } }], tool_choice: { type: 'function', name: 'get_time' } },
    expected: { status: 200, response: { output: [{ type: 'function_call', name: 'get_time' }] } },
  },
  {
    name: 'json_schema text format',
    request: { model: 'sim-small', input: 'Give me a person', text: { format: { type: 'json_schema', name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } } },
    expected: { status: 200, response: { text: { format: { type: 'json_schema', name: 'person' } } }, text: /^\{"name":/ },
  },
  {
    name: 'upstream error mid-stream',
    request: { model: 'sim-cut', input: 'Tell me a long story', stream: true },
    expected: {
      status: 200,
      events: ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta*', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'error', 'response.failed'],
      response: { status: 'failed', error: { code: 'GW_UPSTREAM_STREAM_INTERRUPTED' } },
      error: { code: 'GW_UPSTREAM_STREAM_INTERRUPTED' },
    },
  },
  {
    name: 'upstream error before the answer',
    request: { model: 'sim-down', input: 'hello' },
    expected: { status: 502, error: { code: 'GW_UPSTREAM_ERROR', type: 'api_error' } },
  },
  {
    name: 'built-in tool refused',
    request: { model: 'sim-small', input: 'find it', tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] },
    expected: { status: 400, error: { code: 'GW_REQUEST_INVALID', param: 'tools[0].type', message: expect.stringContaining('file_search') } },
  },
  {
    name: 'unknown previous_response_id',
    request: { model: 'sim-small', input: 'hi', previous_response_id: 'resp_does_not_exist' },
    expected: { status: 404, error: { code: 'GW_RESPONSE_NOT_FOUND', param: 'previous_response_id' } },
  },
];

describe('conformance: Responses → chat (simulator)', () => {
  const results = new Map<string, Json>();
  for (const c of CASES) {
    it(c.name, async () => {
      const body: Json = { ...c.request };
      if (c.after) {
        const prev = results.get(c.after);
        if (!prev) throw new Error(`case "${c.after}" must run first`);
        body.previous_response_id = prev.id;
        if (c.input) body.input = c.input(prev);
      }
      const seen = await send(body);
      expect(seen.status).toBe(c.expected.status);
      if (c.expected.response) expect(seen.response).toMatchObject(c.expected.response);
      if (c.expected.events) expect(seen.events).toEqual(c.expected.events);
      if (c.expected.error) expect(seen.error).toMatchObject(c.expected.error);
      if (typeof c.expected.text === 'string') expect(seen.text).toBe(c.expected.text);
      else if (c.expected.text) expect(seen.text).toMatch(c.expected.text);
      expect(seen.deltasMatchDone).toBe(true);
      if (seen.response) results.set(c.name, seen.response);
    });
  }

  it('meters a client abort mid-stream with what was delivered', async () => {
    const ac = new AbortController();
    const res = await fetch(`${gateway.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-slow', input: 'Write a long detailed story', stream: true }),
      signal: ac.signal,
    });
    const requestId = res.headers.get('x-gantry-request-id');
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.read().catch(() => undefined);
    const event = await ledgerEvent(gateway, requestId);
    expect(event).toMatchObject({ endpoint: 'responses', outcome: 'client_aborted', stream: true, usageEstimated: true });
    expect(event?.costMicros).toBeGreaterThan(0);
  });
});
