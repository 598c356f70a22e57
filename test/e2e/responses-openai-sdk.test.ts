import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type RunningGantry, startGantry, usageEvents } from './helpers/processes.js';

// The built-in configuration: the simulator behind the real gateway process, called with the official
// OpenAI SDK's Responses API over real HTTP. (The admin API cannot mint keys yet, so isolation between
// teams is covered in src/data-plane/protocols/responses/route.test.ts and the ResponseStore contract.)
let g: RunningGantry;
let client: OpenAI;

beforeAll(async () => {
  g = await startGantry();
  client = new OpenAI({ baseURL: `${g.url}/v1`, apiKey: g.key, maxRetries: 0 });
});
afterAll(async () => {
  await g?.stop();
});

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

describe('responses through the OpenAI SDK', () => {
  it('creates a response: output_text, usage, cost header and a ledger event like chat', async () => {
    const { data, response } = await client.responses.create({ model: 'sim-small', input: 'Hello there', instructions: 'Be brief.' }).withResponse();
    expect(data.object).toBe('response');
    expect(data.status).toBe('completed');
    expect(data.id).toMatch(/^resp_/);
    expect(data.instructions).toBe('Be brief.');
    expect(data.output_text.length).toBeGreaterThan(0);
    expect(data.usage?.input_tokens).toBeGreaterThan(0);
    expect(data.usage?.output_tokens).toBeGreaterThan(0);
    const cost = response.headers.get('x-gantry-cost-usd');
    expect(Number(cost)).toBeGreaterThan(0);
    expect((data.usage as unknown as Record<string, unknown>).gantry_cost_usd).toBe(cost);
    expect(response.headers.get('x-gantry-route')).toBe('simulator/sim-small');

    const requestId = response.headers.get('x-gantry-request-id');
    const event = await eventually(async () => (await usageEvents(g, `requestId=${requestId}`))[0]);
    const expected = Math.ceil(((data.usage?.input_tokens ?? 0) * 150_000 + (data.usage?.output_tokens ?? 0) * 600_000) / 1_000_000);
    expect(event).toMatchObject({
      endpoint: 'responses',
      model: 'sim-small',
      team: 'default',
      stream: false,
      outcome: 'completed',
      inputTokens: data.usage?.input_tokens,
      outputTokens: data.usage?.output_tokens,
      costMicros: expected,
    });
  });

  it('streams typed events ending with response.completed', async () => {
    const stream = await client.responses.create({ model: 'sim-small', input: 'Stream a short story, 日本語 please', stream: true });
    const types: string[] = [];
    let text = '';
    let done = '';
    let completed: OpenAI.Responses.Response | undefined;
    let lastSeq = -1;
    for await (const ev of stream) {
      types.push(ev.type);
      expect(ev.sequence_number).toBe(lastSeq + 1);
      lastSeq = ev.sequence_number;
      if (ev.type === 'response.output_text.delta') text += ev.delta;
      if (ev.type === 'response.output_text.done') done = ev.text;
      if (ev.type === 'response.completed') completed = ev.response;
    }
    expect(types.slice(0, 4)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    expect(types.at(-1)).toBe('response.completed');
    expect(text.length).toBeGreaterThan(0);
    expect(done).toBe(text);
    expect(completed?.usage?.output_tokens).toBeGreaterThan(0);
    const stored = await client.responses.retrieve(completed!.id);
    expect(stored.output_text).toBe(text);
  });

  it('runs a function tool round trip with previous_response_id', async () => {
    const first = await client.responses.create({ model: 'sim-small', input: 'What is the weather in Paris?', tools: [weatherTool] });
    const call = first.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
    expect(call?.name).toBe('get_weather');
    expect(JSON.parse(call!.arguments)).toHaveProperty('city');

    const second = await client.responses.create({
      model: 'sim-small',
      previous_response_id: first.id,
      tools: [weatherTool],
      input: [{ type: 'function_call_output', call_id: call!.call_id, output: JSON.stringify({ temp_c: 18 }) }],
    });
    expect(second.status).toBe('completed');
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).toContain('get_weather');

    // input_items: what went into the second response (the first turn, its tool call, the tool output), newest first.
    const items = await client.responses.inputItems.list(second.id);
    expect(items.data.map((i) => i.type)).toEqual(['function_call_output', 'function_call', 'message']);
    const asc = await client.responses.inputItems.list(second.id, { order: 'asc', limit: 1 });
    expect(asc.data).toHaveLength(1);
    expect(asc.data[0]).toMatchObject({ type: 'message', role: 'user' });
    expect(asc.has_more).toBe(true);
    const next = await client.responses.inputItems.list(second.id, { order: 'asc', limit: 5, after: asc.data[0]!.id });
    expect(next.data.map((i) => i.type)).toEqual(['function_call', 'function_call_output']);
  });

  it('streams function-call argument deltas', async () => {
    const stream = await client.responses.create({ model: 'sim-small', input: 'Weather in Rome?', tools: [weatherTool], stream: true });
    let args = '';
    let doneArgs = '';
    let last = '';
    for await (const ev of stream) {
      if (ev.type === 'response.function_call_arguments.delta') args += ev.delta;
      if (ev.type === 'response.function_call_arguments.done') doneArgs = ev.arguments;
      last = ev.type;
    }
    expect(args).toBe(doneArgs);
    expect(JSON.parse(args)).toHaveProperty('city');
    expect(last).toBe('response.completed');
  });

  it('retrieves and deletes a stored response; store: false is not retrievable', async () => {
    const created = await client.responses.create({ model: 'sim-small', input: 'keep this' });
    const got = await client.responses.retrieve(created.id);
    expect(got.id).toBe(created.id);
    expect(got.output_text).toBe(created.output_text);
    await client.responses.delete(created.id);
    await expect(client.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404, code: 'GW_RESPONSE_NOT_FOUND' });

    const ephemeral = await client.responses.create({ model: 'sim-small', input: 'forget this', store: false });
    await expect(client.responses.retrieve(ephemeral.id)).rejects.toMatchObject({ status: 404 });
  });

  it('reports max_output_tokens as incomplete and rejects built-in tools by name', async () => {
    const cut = await client.responses.create({ model: 'sim-small', input: 'Write a long story', max_output_tokens: 5 });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details?.reason).toBe('max_output_tokens');
    expect(cut.usage?.output_tokens).toBe(5);
    await expect(client.responses.create({ model: 'sim-small', input: 'search', tools: [{ type: 'web_search' }] })).rejects.toMatchObject({
      status: 400,
      code: 'GW_REQUEST_INVALID',
      param: 'tools[0].type',
    });
  });
});
