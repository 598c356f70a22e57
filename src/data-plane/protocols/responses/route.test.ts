import { NO_LIMITS } from '../../../../test/helpers/no-limits.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../kernel/clock.js';
import { createKeyHasher } from '../../../kernel/api-keys.js';
import { createIdGenerator } from '../../../kernel/ids.js';
import { silentLogger } from '../../../kernel/logger.js';
import type { UsageEvent } from '../../../kernel/types.js';
import type { ResponseObject } from '../../../kernel/wire/responses.js';
import { createSimulatorProvider } from '../../../providers/simulator/index.js';
import { createMemoryResponseStore } from '../../../storage/memory/response-store.js';
import type { ResponseStore } from '../../../storage/ports/response-store.js';
import { telemetryChannels } from '../../../telemetry/channels.js';
import { createMeter } from '../../metering/meter.js';
import type { Route } from '../../routes/route.js';
import { createDataPlane } from '../../server.js';
import { createAttribute } from '../../stages/attribute.js';
import { createAuthenticate } from '../../stages/authenticate.js';
import { createDeleteResponseRoute, createGetResponseRoute, createRecentResponses, createResponsesRoute } from './index.js';
import { compiledModel, PLAIN_UPSTREAM, testSnapshot } from '../../../../test/helpers/compiled.js';

const KEY_A = 'gk_team_a_key_000000000000000000000';
const KEY_A2 = 'gk_team_a_key_two_00000000000000000';
const KEY_B = 'gk_team_b_key_000000000000000000000';
const hashKey = createKeyHasher('secret');
const HOUR = 3_600_000;

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server?.closeAllConnections();
});

/** The real data plane with the responses routes, the simulator, a memory store and a clock the test moves. */
async function start(opts: { store?: ResponseStore; lruCapacity?: number } = {}) {
  let now = 1_800_000_000_000;
  const clock = { now: () => now, monotonic: () => performance.now() };
  const events: UsageEvent[] = [];
  const provider = createSimulatorProvider({ name: 'simulator', instant: true });
  const snapshot = testSnapshot({
    models: new Map([
      [
        'sim-small',
        compiledModel({
          name: 'sim-small',
          type: 'chat',
          deployments: [
            {
              provider,
              target: { id: 'simulator/sim-small', provider: 'simulator', upstreamModel: 'sim-small', timeouts: { connectMs: 1000, headersMs: 5000, bodyIdleMs: 5000 }, faults: undefined },
            },
          ],
          pricing: { free: false, prices: { inputPer1M: 1_000_000, cachedInputPer1M: 1_000_000, cacheWritePer1M: 1_000_000, outputPer1M: 2_000_000, perRequest: 0 }, version: 'test' }, limits: { maxOutputTokens: 4096, contextWindow: undefined },
        }),
      ],
    ]),
    keys: new Map([
      [hashKey(KEY_A), { keyId: 'key_a', keyName: 'a', team: 'team-a' }],
      [hashKey(KEY_A2), { keyId: 'key_a2', keyName: 'a2', team: 'team-a' }],
      [hashKey(KEY_B), { keyId: 'key_b', keyName: 'b', team: 'team-b' }],
    ]),
  });
  const store = opts.store ?? createMemoryResponseStore();
  const responses = createRecentResponses({ store, clock, capacity: opts.lruCapacity, onError: () => {} });
  const channels = telemetryChannels();
  const meter = createMeter({ usageSink: { record: (e) => events.push(e) }, channels, clock });
  const newId = createIdGenerator();
  const auth = (route: Route) => ({ route, authenticated: true });
  const dp = createDataPlane({
    snapshots: { current: () => snapshot },
    clock,
    newId,
    logger: silentLogger,
    meter,
    limits: NO_LIMITS,
    channels,
    preStages: [createAuthenticate({ hashKey, clock: systemClock }), createAttribute()],
    routes: new Map([['POST /v1/responses', auth(createResponsesRoute({ meter, limits: NO_LIMITS, clock, maxBodyBytes: 1_000_000, ...PLAIN_UPSTREAM, newId, responses, ttlMs: 24 * HOUR }))]]),
    prefixRoutes: [
      ['GET /v1/responses/', auth(createGetResponseRoute(responses))],
      ['DELETE /v1/responses/', auth(createDeleteResponseRoute(responses))],
    ],
    readiness: async () => undefined,
    renderMetrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  server = createServer(dp.handle);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = (method: string, path: string, key: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const create = async (body: Record<string, unknown>, key = KEY_A) => {
    const res = await call('POST', '/v1/responses', key, { model: 'sim-small', ...body });
    return { res, body: (await res.json()) as ResponseObject & { error?: { code: string; param: string | null } } };
  };
  // Writes land on the next turn of the event loop.
  const settle = () => new Promise((r) => setTimeout(r, 10));
  return { call, create, events, store, settle, advance: (ms: number) => (now += ms) };
}

const textOf = (r: ResponseObject) => r.output.flatMap((o) => (o.type === 'message' ? o.content : [])).map((c) => (c.type === 'output_text' ? c.text : '')).join('');

describe('POST /v1/responses', () => {
  it('answers, meters one event with endpoint "responses" and the cost header, and stores the response', async () => {
    const { create, call, events, store, settle } = await start();
    const { res, body } = await create({ input: 'Hello there', metadata: { ticket: '42' } });
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ object: 'response', status: 'completed', model: 'sim-small', metadata: { ticket: '42' }, store: true });
    expect(body.id).toMatch(/^resp_/);
    expect(textOf(body).length).toBeGreaterThan(0);
    const cost = res.headers.get('x-gantry-cost-usd');
    expect(body.usage?.gantry_cost_usd).toBe(cost);
    expect(res.headers.get('x-gantry-route')).toBe('simulator/sim-small');
    expect(events).toHaveLength(1);
    const usage = body.usage!;
    expect(events[0]).toMatchObject({
      endpoint: 'responses',
      team: 'team-a',
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      costMicros: usage.input_tokens + 2 * usage.output_tokens,
      outcome: 'completed',
      stream: false,
    });
    await settle();
    expect((await store.get(body.id, 'team-a', 1_800_000_000_001))?.response).toEqual(body);
    const got = await call('GET', `/v1/responses/${body.id}`, KEY_A);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(body);
    expect(events).toHaveLength(1); // GET is not a model call
  });

  it('continues a conversation with previous_response_id, replaying inputs and outputs but not instructions', async () => {
    const { create } = await start();
    const first = await create({ input: 'My name is Ada.', instructions: 'Answer in French.' });
    const second = await create({ input: '/echo what is my name?', previous_response_id: first.body.id, max_output_tokens: 2000 });
    expect(second.res.status).toBe(200);
    expect(second.body.previous_response_id).toBe(first.body.id);
    const sent = JSON.parse(textOf(second.body)) as Array<{ role: string; content: string }>;
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent[0]?.content).toBe('My name is Ada.');
    expect(sent[1]?.content).toBe(textOf(first.body));
    expect(JSON.stringify(sent)).not.toContain('French');
    // A third turn sees the whole chain.
    const third = await create({ input: '/echo again', previous_response_id: second.body.id, max_output_tokens: 4000 });
    expect((JSON.parse(textOf(third.body)) as unknown[]).length).toBe(5);
  });

  it('round-trips a function call: the simulator calls the tool, the output continues the chain', async () => {
    const { create } = await start();
    const tools = [{ type: 'function', name: 'get_weather', description: 'Get the weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const first = await create({ input: 'What is the weather in Paris?', tools });
    const call = first.body.output.find((o) => o.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
    if (call?.type !== 'function_call') throw new Error('no call');
    expect(JSON.parse(call.arguments)).toHaveProperty('city');
    const second = await create({ previous_response_id: first.body.id, tools, input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp_c":18}' }] });
    expect(second.body.status).toBe('completed');
    expect(textOf(second.body)).toContain('get_weather');
    expect(textOf(second.body)).toContain('temp_c');
  });

  it('isolates stored responses by team: another team gets 404, another key of the same team does not', async () => {
    const { create, call } = await start();
    const { body } = await create({ input: 'secret plans' });
    for (const [method, path] of [
      ['GET', `/v1/responses/${body.id}`],
      ['DELETE', `/v1/responses/${body.id}`],
    ] as const) {
      const res = await call(method, path, KEY_B);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('GW_RESPONSE_NOT_FOUND');
    }
    const chained = await create({ input: 'go on', previous_response_id: body.id }, KEY_B);
    expect(chained.res.status).toBe(404);
    expect(chained.body.error).toMatchObject({ code: 'GW_RESPONSE_NOT_FOUND', param: 'previous_response_id' });
    expect((await call('GET', `/v1/responses/${body.id}`, KEY_A2)).status).toBe(200);
    expect((await create({ input: 'go on', previous_response_id: body.id }, KEY_A2)).res.status).toBe(200);
  });

  it('forgets responses after the TTL, from memory and from the store', async () => {
    for (const lruCapacity of [256, 0]) {
      const { create, call, advance, settle } = await start({ lruCapacity });
      const { body } = await create({ input: 'remember me' });
      await settle();
      advance(23 * HOUR);
      expect((await call('GET', `/v1/responses/${body.id}`, KEY_A)).status).toBe(200);
      advance(2 * HOUR);
      expect((await call('GET', `/v1/responses/${body.id}`, KEY_A)).status).toBe(404);
      expect((await create({ input: 'more', previous_response_id: body.id })).res.status).toBe(404);
      server?.close();
      server?.closeAllConnections();
    }
  });

  it('does not store a response created with store: false', async () => {
    const { create, call, store, settle } = await start();
    const { body } = await create({ input: 'ephemeral', store: false });
    expect(body.store).toBe(false);
    await settle();
    expect(await store.get(body.id, 'team-a', 0)).toBeUndefined();
    expect((await call('GET', `/v1/responses/${body.id}`, KEY_A)).status).toBe(404);
    expect((await create({ input: 'x', previous_response_id: body.id })).res.status).toBe(404);
  });

  it('deletes a stored response once', async () => {
    const { create, call } = await start();
    const { body } = await create({ input: 'delete me' });
    const del = await call('DELETE', `/v1/responses/${body.id}`, KEY_A);
    expect(await del.json()).toEqual({ id: body.id, object: 'response', deleted: true });
    expect((await call('GET', `/v1/responses/${body.id}`, KEY_A)).status).toBe(404);
    expect((await call('DELETE', `/v1/responses/${body.id}`, KEY_A)).status).toBe(404);
  });

  it('stores a streamed response once it completed', async () => {
    const { call, settle } = await start();
    const res = await call('POST', '/v1/responses', KEY_A, { model: 'sim-small', input: 'Stream please', stream: true });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const frames = (await res.text()).split('\n\n').filter((f) => f.startsWith('event: '));
    const last = JSON.parse(frames.at(-1)!.split('\ndata: ')[1]!) as { type: string; response: ResponseObject };
    expect(last.type).toBe('response.completed');
    await settle();
    const got = await call('GET', `/v1/responses/${last.response.id}`, KEY_A);
    expect(await got.json()).toEqual(last.response);
  });

  it('refuses a built-in tool with 400 before calling any model', async () => {
    const { create, events } = await start();
    const { res, body } = await create({ input: 'search the web', tools: [{ type: 'web_search' }] });
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'tools[0].type' });
    expect(events).toHaveLength(0);
  });
});
