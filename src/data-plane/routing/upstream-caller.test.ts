import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import type { CancelSignal } from '../../kernel/cancellation.js';
import { systemClock } from '../../kernel/clock.js';
import { upstreamStatusError } from '../../kernel/errors/index.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { Provider } from '../../providers/contract.js';
import { telemetryChannels, type UpstreamAttemptMessage } from '../../telemetry/channels.js';
import { newRequestContext } from '../context.js';
import type { CompiledDeployment, CompiledModel, CompiledRouting } from '../snapshot.js';
import { abortableSleep } from './backoff.js';
import { DEFAULT_ROUTING } from './defaults.js';
import { createDeploymentHealth } from './deployment-health.js';
import { createUpstreamCaller } from './upstream-caller.js';

const completion: ChatCompletion = {
  id: 'x',
  object: 'chat.completion',
  created: 1,
  model: 'up',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
};
const chunk = (content: string): ChatCompletionChunk => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'up', choices: [{ index: 0, delta: { content }, finish_reason: null }] });

/** A provider that answers from a script of results, one per call, and records what it was sent. */
function scripted(results: ('ok' | Error)[]): Provider & { requests: ChatCompletionRequest[] } {
  let i = 0;
  const next = () => results[Math.min(i++, results.length - 1)];
  const p = {
    name: 'fake',
    type: 'fake',
    requests: [] as ChatCompletionRequest[],
    async chat(request: ChatCompletionRequest) {
      p.requests.push(request);
      const r = next();
      if (r instanceof Error) throw r;
      return structuredClone(completion);
    },
    async chatStream(request: ChatCompletionRequest) {
      p.requests.push(request);
      const r = next();
      if (r instanceof Error) throw r;
      return (async function* () {
        yield chunk('a');
        yield chunk('b');
      })();
    },
    async embeddings(): Promise<never> {
      throw new Error('no');
    },
    async close() {},
  };
  return p;
}

function dep(id: string, provider: Provider, upstreamModel = 'sim-small'): CompiledDeployment {
  return {
    provider,
    target: { id, provider: 'fake', upstreamModel, timeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1 }, faults: undefined },
    weight: 1,
    priority: 0,
    pricing: { free: true, version: 't' },
    limits: { maxOutputTokens: 4096, contextWindow: undefined },
    capabilities: { tools: true, vision: true, jsonMode: true },
  };
}

function setup(deployments: CompiledDeployment[], routing: Partial<CompiledRouting> = {}, sleep?: (ms: number, signal: CancelSignal) => Promise<void>) {
  const m: CompiledModel = compiledModel(
    { name: 'm', type: 'chat', deployments: [], pricing: { free: true, version: 't' }, limits: { maxOutputTokens: 4096, contextWindow: undefined } },
    { deployments, routing: { ...DEFAULT_ROUTING, ...routing } },
  );
  const snapshot = testSnapshot({ models: new Map([['m', m]]) });
  const channels = telemetryChannels();
  const health = createDeploymentHealth({ clock: systemClock, channels });
  const caller = createUpstreamCaller({ health, clock: systemClock, channels, rng: () => 0.5, sleep: sleep ?? (async () => {}) });
  const context = () => {
    const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot });
    ctx.model = m;
    return ctx;
  };
  return { caller, health, context };
}

const attempts: UpstreamAttemptMessage[] = [];
const onAttempt = (m: unknown) => attempts.push(m as UpstreamAttemptMessage);
diagnosticsChannel.subscribe('gantry:upstream:attempt', onAttempt);
afterEach(() => {
  attempts.length = 0;
});

const request = (): ChatCompletionRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

describe('upstream caller', () => {
  it('publishes every attempt as first, retry or failover', async () => {
    const a = scripted([upstreamStatusError(500, 'x'), upstreamStatusError(500, 'x')]);
    const b = scripted(['ok']);
    const { caller, context } = setup([dep('a', a), dep('b', b)]);
    const ctx = context();
    await caller.chat(ctx, request(), undefined);
    expect(attempts.map((m) => [m.deployment, m.kind, m.ok, m.code])).toEqual([
      ['a', 'first', false, 'GW_UPSTREAM_ERROR'],
      ['a', 'retry', false, 'GW_UPSTREAM_ERROR'],
      ['b', 'failover', true, undefined],
    ]);
    expect(ctx.attempts).toBe(3);
    expect(ctx.deployment?.target.id).toBe('b');
  });

  it('caps the output per deployment in the parameter its upstream model reads, on a copy of the request', async () => {
    const a = scripted([upstreamStatusError(503, 'x')]);
    const b = scripted(['ok']);
    const { caller, context } = setup([dep('a', a, 'gpt-5-mini'), dep('b', b, 'llama-3')], { retry: { ...DEFAULT_ROUTING.retry, attempts: 0 } });
    const original = request();
    await caller.chat(context(), original, 200);
    expect(a.requests[0]).toMatchObject({ max_completion_tokens: 200 });
    expect(a.requests[0]?.max_tokens).toBeUndefined();
    expect(b.requests[0]).toMatchObject({ max_tokens: 200 });
    expect(b.requests[0]?.max_completion_tokens).toBeUndefined();
    expect(original.max_tokens).toBeUndefined();
    expect(original.max_completion_tokens).toBeUndefined();
  });

  it('never sends a deployment a larger output cap than it accepts (the grant may cover a fallback with a larger limit)', async () => {
    const a = scripted([upstreamStatusError(503, 'x')]);
    const b = scripted(['ok']);
    const small = { ...dep('a', a), limits: { maxOutputTokens: 100, contextWindow: undefined } };
    const { caller, context } = setup([small, dep('b', b)], { retry: { ...DEFAULT_ROUTING.retry, attempts: 0 } });
    await caller.chat(context(), request(), 4000);
    expect(a.requests[0]).toMatchObject({ max_tokens: 100 });
    expect(b.requests[0]).toMatchObject({ max_tokens: 4000 });
  });

  it('never retries after the client left, and stops waiting for a backoff the moment it leaves', async () => {
    const a = scripted([upstreamStatusError(500, 'x')]);
    const b = scripted(['ok']);
    const { caller, context, health } = setup([dep('a', a), dep('b', b)], { retry: { ...DEFAULT_ROUTING.retry, attempts: 3, backoffMs: 60_000, maxBackoffMs: 60_000 } }, abortableSleep);
    const ctx = context();
    const pending = caller.chat(ctx, request(), undefined);
    for (let i = 0; i < 50 && attempts.length === 0; i++) await new Promise((r) => setImmediate(r));
    ctx.abort.abort(new Error('client left'));
    await expect(pending).rejects.toThrow('client left');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
    expect(health.list().find((s) => s.deployment === 'a')?.inFlight).toBe(0);
  });

  it('a call the client abandoned does not count against the deployment', async () => {
    const hang: Provider = {
      ...scripted(['ok']),
      chat: (_req, pctx) =>
        new Promise((_r, reject) => {
          pctx.signal.addEventListener('abort', () => reject(pctx.signal.reason));
        }),
    };
    const { caller, context, health } = setup([dep('a', hang)], { breaker: { failures: 1, cooldownMs: 1_000 } });
    const ctx = context();
    const pending = caller.chat(ctx, request(), undefined);
    ctx.abort.abort(new Error('client left'));
    await expect(pending).rejects.toThrow('client left');
    expect(health.list()[0]).toMatchObject({ state: 'closed', failures: 0, inFlight: 0 });
  });

  it('holds a stream\'s deployment in flight until the stream ends, and yields the first chunk first', async () => {
    const a = scripted(['ok']);
    const { caller, context, health } = setup([dep('a', a)]);
    const stream = await caller.chatStream(context(), request(), undefined);
    expect(health.list()[0]).toMatchObject({ inFlight: 1, successes: 1 });
    expect(health.list()[0]?.ewmaTtftMs).toBeDefined();
    const seen: string[] = [];
    for await (const c of stream) seen.push(String(c.choices[0]?.delta.content));
    expect(seen).toEqual(['a', 'b']);
    expect(health.list()[0]?.inFlight).toBe(0);
  });

  it('needs a resolved model', async () => {
    const { caller, context } = setup([]);
    const ctx = context();
    ctx.model = undefined;
    await expect(caller.chat(ctx, request(), undefined)).rejects.toThrow('resolved model');
  });
});
