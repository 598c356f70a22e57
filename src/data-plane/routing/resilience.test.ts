import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import { NO_LIMITS } from '../../../test/helpers/no-limits.js';
import { NO_CACHE } from '../cache/response-cache.js';
import { createKeyHasher } from '../../kernel/api-keys.js';
import { systemClock } from '../../kernel/clock.js';
import { upstreamStatusError } from '../../kernel/errors/index.js';
import { createIdGenerator } from '../../kernel/ids.js';
import { silentLogger } from '../../kernel/logger.js';
import type { UsageEvent } from '../../kernel/types.js';
import type { FaultKnobs, Provider } from '../../providers/contract.js';
import { createSimulatorProvider } from '../../providers/simulator/provider.js';
import { createRng } from '../../providers/simulator/random.js';
import { telemetryChannels } from '../../telemetry/channels.js';
import { createMeter } from '../metering/meter.js';
import { createChatCompletionsRoute } from '../routes/chat-completions.js';
import { createEmbeddingsRoute } from '../routes/embeddings.js';
import { createDataPlane } from '../server.js';
import type { CompiledDeployment, CompiledModel, CompiledRouting, ModelPricing } from '../snapshot.js';
import { createAttribute } from '../stages/attribute.js';
import { createAuthenticate } from '../stages/authenticate.js';
import { DEFAULT_ROUTING } from './defaults.js';
import { createDeploymentHealth } from './deployment-health.js';
import { createUpstreamCaller } from './upstream-caller.js';

/**
 * Resilience end to end: real HTTP through the data plane and the chat route, simulator deployments
 * with fault knobs, the real caller and health registry. Time is a fake clock and backoff waits
 * are recorded instead of slept: nothing here depends on timing.
 */

const KEY = 'gk_resilience_test_key_0000000000000000';
const hashKey = createKeyHasher('secret');
const TIMEOUTS = { connectMs: 1_000, headersMs: 10_000, bodyIdleMs: 10_000 };
const price = (input: number, output: number): ModelPricing => ({
  free: false,
  prices: { inputPer1M: input, cachedInputPer1M: input, cacheWritePer1M: input, outputPer1M: output, perRequest: 0 },
  version: `test-${input}`,
});
const PRICE = price(1_000_000, 2_000_000);

/** The simulator, counting its calls (the upstream's view of the load). */
function counted(name: string): Provider & { calls: number } {
  const sim = createSimulatorProvider({ name, instant: true });
  const p = {
    ...sim,
    calls: 0,
    chat: (req: Parameters<Provider['chat']>[0], ctx: Parameters<Provider['chat']>[1]) => {
      p.calls++;
      return sim.chat(req, ctx);
    },
    chatStream: (req: Parameters<Provider['chat']>[0], ctx: Parameters<Provider['chat']>[1]) => {
      p.calls++;
      return sim.chatStream(req, ctx);
    },
    embeddings: (req: Parameters<Provider['embeddings']>[0], ctx: Parameters<Provider['embeddings']>[1]) => {
      p.calls++;
      return sim.embeddings(req, ctx);
    },
  };
  return p;
}

interface DeploymentSpec {
  readonly name: string;
  readonly upstream?: string;
  /** Mutable on purpose: a test heals or breaks a deployment by changing its knobs. */
  readonly faults?: FaultKnobs;
  readonly weight?: number;
  readonly pricing?: ModelPricing;
}

function deployment(spec: DeploymentSpec, priority: number): CompiledDeployment & { provider: Provider & { calls: number } } {
  const upstream = spec.upstream ?? 'sim-small';
  return {
    provider: counted(spec.name),
    target: { id: spec.name, provider: 'sim', upstreamModel: upstream, timeouts: TIMEOUTS, faults: spec.faults },
    weight: spec.weight ?? 1,
    priority,
    pricing: spec.pricing ?? PRICE,
    limits: { maxOutputTokens: 4096, contextWindow: undefined },
    capabilities: { tools: true, vision: true, jsonMode: true },
  };
}

function model(name: string, specs: DeploymentSpec[], routing: Partial<CompiledRouting> = {}, type: 'chat' | 'embedding' = 'chat'): CompiledModel {
  const deployments = specs.map((s, i) => deployment(s, i));
  return compiledModel(
    { name, type, deployments: [], pricing: deployments[0]?.pricing, limits: { maxOutputTokens: 4096, contextWindow: undefined } },
    { deployments, routing: { ...DEFAULT_ROUTING, ...routing } },
  );
}

function calls(m: CompiledModel, deploymentName: string): number {
  const d = m.deployments.find((x) => x.target.id === deploymentName);
  if (!d) throw new Error(`no deployment ${deploymentName}`);
  return (d.provider as unknown as { calls: number }).calls;
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server?.closeAllConnections();
  server = undefined;
});

async function start(models: CompiledModel[], opts: { rng?: () => number } = {}) {
  let now = 1_700_000_000_000;
  const clock = { now: () => now, monotonic: () => systemClock.monotonic() };
  const events: UsageEvent[] = [];
  const sleeps: number[] = [];
  const snapshot = testSnapshot({
    models: new Map(models.map((m) => [m.name, m])),
    keys: new Map([[hashKey(KEY), { keyId: 'key_1', keyName: 'k', team: 'team-a' }]]),
  });
  const channels = telemetryChannels();
  const health = createDeploymentHealth({ clock, channels });
  const caller = createUpstreamCaller({
    health,
    clock,
    channels,
    rng: opts.rng ?? createRng(7).next,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const meter = createMeter({ usageSink: { record: (e) => events.push(e) }, channels, clock });
  const deps = { meter, limits: NO_LIMITS, clock, maxBodyBytes: 1_000_000, caller, cache: NO_CACHE };
  const dp = createDataPlane({
    snapshots: { current: () => snapshot },
    clock,
    newId: createIdGenerator(),
    logger: silentLogger,
    meter,
    limits: NO_LIMITS,
    channels,
    preStages: [createAuthenticate({ hashKey, clock }), createAttribute()],
    routes: new Map([
      ['POST /v1/chat/completions', { route: createChatCompletionsRoute(deps), authenticated: true }],
      ['POST /v1/embeddings', { route: createEmbeddingsRoute(deps), authenticated: true }],
    ]),
    readiness: async () => undefined,
    renderMetrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  server = createServer(dp.handle);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const chat = (modelName: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post('/v1/chat/completions', { model: modelName, messages: [{ role: 'user', content: 'Say hello to the platform team.' }], ...extra }, headers);
  return { chat, post, events, sleeps, health, advance: (ms: number) => {
      now += ms;
    },
  };
}

const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('failover between deployments', () => {
  it('chat-primary failing with 500 on every request: every request, stream or not, is served by chat-secondary', async () => {
    const chatModel = model('chat', [{ name: 'chat-primary', faults: { errorRate: 1, errorStatus: 500 } }, { name: 'chat-secondary' }]);
    const { chat, events } = await start([chatModel]);
    for (let i = 0; i < 8; i++) {
      const res = await chat('chat', i % 2 === 1 ? { stream: true } : {});
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gantry-route')).toBe('chat-secondary');
      const text = await res.text();
      if (i % 2 === 1) expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    }
    // One retry on the primary per request until its breaker opens (5 consecutive failures), then none.
    expect(events.map((e) => e.attempts)).toEqual([3, 3, 2, 1, 1, 1, 1, 1]);
    expect(calls(chatModel, 'chat-primary')).toBe(5);
    expect(events.every((e) => e.route === 'chat-secondary' && e.outcome === 'completed' && e.servedModel === undefined)).toBe(true);
  });

  it('embeddings fail over the same way', async () => {
    const embed = model('embed', [{ name: 'embed-a', upstream: 'sim-embed', faults: { errorRate: 1, errorStatus: 503 } }, { name: 'embed-b', upstream: 'sim-embed' }], {}, 'embedding');
    const { post, events } = await start([embed]);
    const res = await post('/v1/embeddings', { model: 'embed', input: 'hello' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gantry-route')).toBe('embed-b');
    expect(events[0]).toMatchObject({ attempts: 3, route: 'embed-b' });
  });

  it('never retries or fails over a request the upstream rejected (4xx)', async () => {
    const m = model('m', [{ name: 'a', faults: { errorRate: 1, errorStatus: 422 } }, { name: 'b' }]);
    const { chat, events } = await start([m]);
    const res = await chat('m');
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toBe('GW_UPSTREAM_REJECTED');
    expect(events[0]?.attempts).toBe(1);
    expect(calls(m, 'b')).toBe(0);
  });
});

describe('retries', () => {
  it('retries the same deployment with exponential backoff and jitter, then answers with the real cause', async () => {
    const m = model('m', [{ name: 'only', faults: { errorRate: 1, errorStatus: 503 } }], { retry: { ...DEFAULT_ROUTING.retry, attempts: 3, backoffMs: 100, maxBackoffMs: 10_000 } });
    const { chat, events, sleeps } = await start([m], { rng: () => 0.999 });
    const res = await chat('m');
    expect(res.status).toBe(502);
    expect(await errorOf(res)).toBe('GW_UPSTREAM_ERROR');
    expect(calls(m, 'only')).toBe(4);
    expect(events[0]).toMatchObject({ attempts: 4, errorCode: 'GW_UPSTREAM_ERROR', upstreamStatus: 503 });
    expect(sleeps).toEqual([99, 199, 399]);
  });

  it('honours retry-after up to maxBackoffMs; beyond it fails over at once', async () => {
    const retry = { ...DEFAULT_ROUTING.retry, attempts: 1, backoffMs: 10, maxBackoffMs: 2_000 };
    const patient = model('patient', [{ name: 'a', faults: { errorRate: 1, errorStatus: 429 } }, { name: 'b' }], { retry });
    const t = await start([patient]);
    expect((await t.chat('patient')).headers.get('x-gantry-route')).toBe('b');
    expect(t.sleeps).toEqual([1_000]); // the simulator's 429 says retry-after: 1
    expect(calls(patient, 'a')).toBe(2);

    const hasty = model('hasty', [{ name: 'a', faults: { errorRate: 1, errorStatus: 429 } }, { name: 'b' }], { retry: { ...retry, maxBackoffMs: 500 } });
    const u = await start([hasty]);
    expect((await u.chat('hasty')).headers.get('x-gantry-route')).toBe('b');
    expect(u.sleeps).toEqual([]);
    expect(calls(hasty, 'a')).toBe(1);
  });

  it('the retry budget stops same-deployment retries from multiplying the load in a failing storm', async () => {
    const m = model('m', [{ name: 'only', faults: { errorRate: 1, errorStatus: 500 } }], {
      retry: { ...DEFAULT_ROUTING.retry, attempts: 1, budgetRatio: 0.2, minPerSecond: 0 },
      breaker: { failures: 1_000, cooldownMs: 30_000 },
    });
    const { chat, events } = await start([m]);
    for (let i = 0; i < 50; i++) expect((await chat('m')).status).toBe(502);
    // Without a budget: 100 calls. With 20%: 50 requests + 10 retries.
    expect(calls(m, 'only')).toBe(60);
    expect(events.filter((e) => e.attempts === 2)).toHaveLength(10);
  });
});

describe('circuit breaker', () => {
  it('opens after N failures, half-opens after the cooldown, reopens on a failed probe and closes on a successful one', async () => {
    const faults: { errorRate?: number } = { errorRate: 1 };
    const m = model('m', [{ name: 'primary', faults }, { name: 'secondary' }], {
      retry: { ...DEFAULT_ROUTING.retry, attempts: 0 },
      breaker: { failures: 2, cooldownMs: 10_000 },
    });
    const { chat, events, health, advance } = await start([m]);
    const state = () => health.list().find((s) => s.deployment === 'primary')?.state;
    const route = async () => (await chat('m')).headers.get('x-gantry-route');

    expect([await route(), await route()]).toEqual(['secondary', 'secondary']);
    expect(state()).toBe('open');
    expect(await route()).toBe('secondary');
    expect(calls(m, 'primary')).toBe(2); // skipped while open

    advance(10_000);
    expect(await route()).toBe('secondary'); // the probe failed
    expect(calls(m, 'primary')).toBe(3);
    expect(state()).toBe('open');
    expect(await route()).toBe('secondary');
    expect(calls(m, 'primary')).toBe(3);

    faults.errorRate = 0;
    advance(10_000);
    expect(await route()).toBe('primary'); // the probe succeeded
    expect(state()).toBe('closed');
    expect(await route()).toBe('primary');
    expect(events.map((e) => e.attempts)).toEqual([2, 2, 1, 2, 1, 1, 1]);
  });
});

describe('streams', () => {
  it('no failover after the first streamed chunk: the cut is reported in-band after a single attempt', async () => {
    const m = model('m', [{ name: 'primary', faults: { cutStreamAfterChunks: 1 } }, { name: 'secondary' }]);
    const { chat, events } = await start([m]);
    const res = await chat('m', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gantry-route')).toBe('primary');
    const text = await res.text();
    expect(text).toContain('"code":"GW_UPSTREAM_STREAM_INTERRUPTED"');
    expect(text).not.toContain('[DONE]');
    expect(events[0]).toMatchObject({ attempts: 1, outcome: 'upstream_error', route: 'primary' });
    expect(calls(m, 'secondary')).toBe(0);
  });

  it('fails over a stream cut before its first chunk with content: another deployment serves all of it', async () => {
    const m = model('m', [{ name: 'primary', faults: { cutStreamAfterChunks: 0 } }, { name: 'secondary' }]);
    const { chat, events } = await start([m]);
    const res = await chat('m', { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gantry-route')).toBe('secondary');
    const text = await res.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text.match(/"role":"assistant"/g)).toHaveLength(1); // nothing of the failed attempt reached the client
    expect(events[0]).toMatchObject({ attempts: 3, outcome: 'completed', route: 'secondary' });
  });
});

describe('fallback on context window and content filter', () => {
  const longPrompt = { messages: [{ role: 'user', content: 'a prompt that is certainly longer than five tokens in total' }] };

  it('context-window overflow moves to the next deployment when configured, and is the client\'s 400 when not', async () => {
    const specs = () => [{ name: 'small-window', faults: { contextWindow: 5 } }, { name: 'big-window' }];
    const on = model('on', specs(), { fallbackOn: { error: true, contextWindow: true, contentFilter: false } });
    const off = model('off', specs());
    const { chat, events } = await start([on, off]);
    const served = await chat('on', longPrompt);
    expect(served.status).toBe(200);
    expect(served.headers.get('x-gantry-route')).toBe('big-window');
    expect(events[0]?.attempts).toBe(2); // no retry of a context overflow
    const refused = await chat('off', longPrompt);
    expect(refused.status).toBe(400);
    expect(await errorOf(refused)).toBe('GW_UPSTREAM_REJECTED');
    expect(events[1]?.attempts).toBe(1);
  });

  it('a content-filtered answer moves on when configured (stream and not), and is returned as is when not', async () => {
    const specs = () => [{ name: 'strict', faults: { contentFilterRate: 1 } }, { name: 'lenient' }];
    const on = model('on', specs(), { fallbackOn: { error: true, contextWindow: false, contentFilter: true } });
    const off = model('off', specs());
    const { chat, events } = await start([on, off]);

    const served = await chat('on');
    expect(served.headers.get('x-gantry-route')).toBe('lenient');
    const body = (await served.json()) as { choices: { finish_reason: string; message: { content: string } }[] };
    expect(body.choices[0]?.finish_reason).toBe('stop');
    expect(body.choices[0]?.message.content.length).toBeGreaterThan(0);
    expect(events[0]?.attempts).toBe(2);

    const streamed = await chat('on', { stream: true });
    expect(streamed.headers.get('x-gantry-route')).toBe('lenient');
    expect(await streamed.text()).not.toContain('content_filter');

    const filtered = await chat('off');
    expect(filtered.status).toBe(200);
    expect(filtered.headers.get('x-gantry-route')).toBe('strict');
    expect(((await filtered.json()) as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason).toBe('content_filter');
  });

  it('serves the filtered answer when nothing else can', async () => {
    const m = model('m', [{ name: 'strict', faults: { contentFilterRate: 1 } }, { name: 'down', faults: { errorRate: 1 } }], {
      fallbackOn: { error: true, contextWindow: false, contentFilter: true },
    });
    const { chat, events } = await start([m]);
    const res = await chat('m');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-gantry-route')).toBe('strict');
    expect(((await res.json()) as { choices: { finish_reason: string }[] }).choices[0]?.finish_reason).toBe('content_filter');
    expect(events[0]).toMatchObject({ attempts: 3, route: 'strict', outcome: 'completed' });
  });
});

describe('degradation when every deployment is down', () => {
  const down = { retry: { ...DEFAULT_ROUTING.retry, attempts: 0 }, breaker: { failures: 1, cooldownMs: 30_000 } };

  it('whenAllDown error: 503 GW_NO_HEALTHY_DEPLOYMENT at once, retry-after until the first probe', async () => {
    const m = model('m', [{ name: 'a', faults: { errorRate: 1 } }, { name: 'b', faults: { errorRate: 1 } }], { ...down, fallbacks: ['backup'], whenAllDown: 'error' });
    const backup = model('backup', [{ name: 'backup-1' }]);
    const { chat, events, advance } = await start([m, backup]);
    // Deployments tried and failed: the fallback model serves (fallbacks apply once every deployment failed).
    expect((await chat('m')).headers.get('x-gantry-route')).toBe('backup-1');
    advance(12_000);
    const res = await chat('m');
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toBe('GW_NO_HEALTHY_DEPLOYMENT');
    expect(res.headers.get('retry-after')).toBe('18');
    expect(events[1]).toMatchObject({ attempts: 0, errorCode: 'GW_NO_HEALTHY_DEPLOYMENT', status: 503 });
    expect(calls(backup, 'backup-1')).toBe(1);
  });

  it('the last upstream error goes out while deployments are still tried', async () => {
    const m = model('m', [{ name: 'a', faults: { errorRate: 1, errorStatus: 504 } }], down);
    const { chat } = await start([m]);
    const res = await chat('m');
    expect(res.status).toBe(504);
    expect(await errorOf(res)).toBe('GW_UPSTREAM_TIMEOUT');
    const next = await chat('m');
    expect(next.status).toBe(503);
    expect(next.headers.get('retry-after')).toBe('30');
  });

  it('whenAllDown fallback: a fallback model serves, recorded as servedModel and priced at its own price', async () => {
    const cheap = price(100_000, 200_000);
    const m = model('m', [{ name: 'a', faults: { errorRate: 1 } }], { ...down, fallbacks: ['missing', 'embed', 'backup'], whenAllDown: 'fallback' });
    const embed = model('embed', [{ name: 'e', upstream: 'sim-embed' }], {}, 'embedding');
    const backup = model('backup', [{ name: 'backup-1', pricing: cheap }]);
    const { chat, events } = await start([m, embed, backup]);
    for (let i = 0; i < 2; i++) {
      const res = await chat('m');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-gantry-route')).toBe('backup-1');
    }
    expect(events.map((e) => [e.model, e.servedModel, e.attempts])).toEqual([
      ['m', 'backup', 2],
      ['m', 'backup', 1], // the breaker of `a` is open: straight to the fallback
    ]);
    const e = events[0] as UsageEvent;
    expect(e.costMicros).toBe(Math.ceil((e.inputTokens * 100_000 + e.outputTokens * 200_000) / 1_000_000));
    expect(e.priceVersion).toBe('test-100000');
    expect(calls(embed, 'e')).toBe(0); // a fallback of the wrong type is skipped
  });

  it('whenAllDown fallback with the fallbacks down too: 503', async () => {
    const m = model('m', [{ name: 'a', faults: { errorRate: 1 } }], { ...down, fallbacks: ['backup'], whenAllDown: 'fallback' });
    const backup = model('backup', [{ name: 'b', faults: { errorRate: 1 } }], down);
    const { chat } = await start([m, backup]);
    expect((await chat('m')).status).toBe(502);
    const res = await chat('m');
    expect(res.status).toBe(503);
    expect(await errorOf(res)).toBe('GW_NO_HEALTHY_DEPLOYMENT');
  });
});

describe('canary and stickiness', () => {
  it('a weighted 80/20 split holds over 500 requests (fixed seed)', async () => {
    const m = model('m', [{ name: 'stable', weight: 80 }, { name: 'canary', weight: 20 }], { strategy: 'weighted' });
    const { chat } = await start([m], { rng: createRng(2024).next });
    const routes: Record<string, number> = {};
    for (let i = 0; i < 500; i++) {
      const r = (await chat('m')).headers.get('x-gantry-route') ?? '';
      routes[r] = (routes[r] ?? 0) + 1;
    }
    // 3 standard deviations of binomial(500, 0.2) ≈ 27.
    expect(Math.abs((routes.canary ?? 0) - 100)).toBeLessThan(27);
    expect((routes.stable ?? 0) + (routes.canary ?? 0)).toBe(500);
  });

  it('sticky per run: every request of a run lands on the same deployment', async () => {
    const m = model('m', [{ name: 'a' }, { name: 'b' }], { strategy: 'weighted', sticky: 'run' });
    const { chat } = await start([m], { rng: createRng(1).next });
    const seen = new Set<string>();
    for (let run = 0; run < 20; run++) {
      const routes = new Set<string>();
      for (let i = 0; i < 4; i++) routes.add((await chat('m', {}, { 'x-gantry-run': `run-${run}` })).headers.get('x-gantry-route') ?? '');
      expect(routes.size).toBe(1);
      for (const r of routes) seen.add(r);
    }
    expect([...seen].sort()).toEqual(['a', 'b']);
  });
});

describe('upstream errors reach the classification intact', () => {
  it('keeps the upstream error code the provider gave', () => {
    expect(upstreamStatusError(400, 'x', undefined, 'context_length_exceeded').upstreamCode).toBe('context_length_exceeded');
  });
});
