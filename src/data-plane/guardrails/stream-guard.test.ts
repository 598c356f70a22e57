import { describe, expect, it } from 'vitest';
import type { GuardrailSpec } from '../../control-plane/resources/kinds/guardrail.js';
import { compileGuardrail } from '../../control-plane/snapshot/compile-guardrails.js';
import { type ChatCompletionChunk, type ChatCompletionChunkChoice, RAW_JSON } from '../../kernel/wire/openai.js';
import { newRequestContext } from '../context.js';
import type { RuntimeSnapshot } from '../snapshot.js';
import { createGuardrailPipeline } from './index.js';

const EMAIL = 'jane.doe@example.com';
const REDACTED = '[REDACTED:pii.email]';

function ctxWith(specs: Record<string, GuardrailSpec>, stream = true) {
  const guardrails = Object.entries(specs).map(([name, spec]) => compileGuardrail(name, spec));
  const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot: { guardrails } as unknown as RuntimeSnapshot });
  ctx.stream = stream;
  return ctx;
}

const chunk = (delta: ChatCompletionChunkChoice['delta'], finish: 'stop' | 'tool_calls' | null = null): ChatCompletionChunk => ({
  [RAW_JSON]: '{"stale":true}',
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

/** Runs chunks through the guard; returns the deltas emitted (as the client would see them). */
function run(specs: Record<string, GuardrailSpec>, chunks: ChatCompletionChunk[], end = false) {
  const ctx = ctxWith(specs);
  const guard = createGuardrailPipeline().chatStream(ctx)!;
  const out: ChatCompletionChunk[] = [];
  for (const c of chunks) {
    if (guard.chunk(c)) {
      expect(c[RAW_JSON]).toBeUndefined();
      out.push(structuredClone(c));
    }
  }
  const tail = end ? guard.end(chunks.at(-1), 'c', 1, 'm') : undefined;
  if (tail) out.push(tail);
  return { ctx, deltas: out.flatMap((c) => c.choices.map((ch) => ch.delta)) };
}

/** Tool arguments per tool index, in the order the client receives them, and the order indexes appear in. */
function toolArgs(deltas: ChatCompletionChunkChoice['delta'][]) {
  const args = new Map<number, string>();
  const order: number[] = [];
  for (const d of deltas) {
    for (const t of d.tool_calls ?? []) {
      if (order.at(-1) !== t.index) order.push(t.index);
      args.set(t.index, (args.get(t.index) ?? '') + (t.function?.arguments ?? ''));
    }
  }
  return { args, order };
}

const REDACT = { out: { action: 'redact', stages: ['output'], detectors: { pii: ['email'] } } } satisfies Record<string, GuardrailSpec>;
const BLOCK = { out: { action: 'block', stages: ['output'], detectors: { pii: ['email'] } } } satisfies Record<string, GuardrailSpec>;

/** An email split across argument deltas, behind enough text that the window releases some of it early. */
const ARGS = JSON.stringify({ to: EMAIL, body: 'x '.repeat(200) });
const split = (s: string, n: number) => Array.from({ length: Math.ceil(s.length / n) }, (_, i) => s.slice(i * n, (i + 1) * n));

describe('stream guard: tool calls, reasoning and refusals', () => {
  it('redacts tool-call arguments split across chunks; the held tail leaves at finish_reason as an arguments delta', () => {
    const chunks = [
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'send', arguments: '' } }] }),
      ...split(ARGS, 7).map((a) => chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
      chunk({}, 'tool_calls'),
    ];
    const { ctx, deltas } = run(REDACT, chunks);
    const { args } = toolArgs(deltas);
    expect(JSON.stringify(deltas)).not.toContain(EMAIL);
    expect(JSON.parse(args.get(0)!)).toEqual({ to: REDACTED, body: 'x '.repeat(200) });
    expect(deltas[0]!.tool_calls![0]).toMatchObject({ id: 'call_1', function: { name: 'send' } });
    expect(ctx.guardrailHits).toEqual([{ guardrail: 'out', stage: 'output', rule: 'pii.email', action: 'redact', count: 1 }]);
  });

  it('keeps parallel tool calls in order: a call’s tail leaves before the next call starts', () => {
    const chunks = [
      chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'send', arguments: '' } }] }),
      ...split(JSON.stringify({ to: EMAIL }), 5).map((a) => chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
      chunk({ tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'log', arguments: '{}' } }] }),
      chunk({}, 'tool_calls'),
    ];
    const { deltas } = run(REDACT, chunks);
    const { args, order } = toolArgs(deltas);
    expect(order).toEqual([0, 1]); // never back to 0 (an Anthropic stream cannot carry that)
    expect(args.get(0)).toBe(JSON.stringify({ to: REDACTED }));
    expect(args.get(1)).toBe('{}');
  });

  it('redacts reasoning_content and refusal per choice, flushed as deltas of their own kind', () => {
    const chunks = [...split(`thinking about ${EMAIL} now`, 4).map((r) => chunk({ reasoning_content: r })), ...split(`I cannot mail ${EMAIL}.`, 4).map((r) => chunk({ refusal: r })), chunk({}, 'stop')];
    const { ctx, deltas } = run(REDACT, chunks);
    const text = (k: 'reasoning_content' | 'refusal') => deltas.map((d) => (typeof d[k] === 'string' ? d[k] : '')).join('');
    expect(text('reasoning_content')).toBe(`thinking about ${REDACTED} now`);
    expect(text('refusal')).toBe(`I cannot mail ${REDACTED}.`);
    // The reasoning tail leaves before the first refusal text does.
    const lastReasoning = deltas.findLastIndex((d) => d.reasoning_content);
    const firstRefusal = deltas.findIndex((d) => d.refusal);
    expect(lastReasoning).toBeLessThanOrEqual(firstRefusal);
    expect(ctx.guardrailHits).toEqual([{ guardrail: 'out', stage: 'output', rule: 'pii.email', action: 'redact', count: 2 }]);
  });

  it('a stream that ends without finish_reason flushes held arguments as a tool_calls delta', () => {
    const chunks = split(JSON.stringify({ to: EMAIL }), 6).map((a, i) => chunk({ tool_calls: [{ index: 0, ...(i === 0 ? { id: 't', type: 'function' as const } : {}), function: { arguments: a } }] }));
    const { deltas } = run(REDACT, chunks, true);
    expect(toolArgs(deltas).args.get(0)).toBe(JSON.stringify({ to: REDACTED }));
    expect(deltas.at(-1)!.tool_calls).toEqual([{ index: 0, function: { arguments: expect.any(String) } }]);
  });

  it('block: an email in tool arguments or reasoning ends the stream before any of it is emitted', () => {
    for (const deltaOf of [(a: string) => ({ tool_calls: [{ index: 0, function: { arguments: a } }] }), (a: string) => ({ reasoning_content: a })]) {
      const guard = createGuardrailPipeline().chatStream(ctxWith(BLOCK))!;
      const emitted: string[] = [];
      const push = (c: ChatCompletionChunk) => guard.chunk(c) && emitted.push(JSON.stringify(c.choices));
      expect(() => {
        for (const a of split(`to ${EMAIL} ${'y '.repeat(200)}`, 9)) push(chunk(deltaOf(a)));
        push(chunk({}, 'stop'));
      }).toThrow(expect.objectContaining({ code: 'GW_GUARDRAIL_BLOCKED' }));
      expect(emitted.join('')).not.toContain('jane');
    }
  });
});

describe('stream guard: redaction evidence', () => {
  it('counts what the redactor replaced, not markers the model echoed', () => {
    const echoed = run(REDACT, [chunk({ content: `you wrote ${REDACTED}, ok` }), chunk({}, 'stop')]);
    expect(echoed.deltas.map((d) => d.content ?? '').join('')).toBe(`you wrote ${REDACTED}, ok`);
    expect(echoed.ctx.guardrailHits).toEqual([]);

    const real = run(REDACT, [chunk({ content: `you wrote ${REDACTED}, I add ${EMAIL}` }), chunk({}, 'stop')]);
    expect(real.ctx.guardrailHits).toEqual([{ guardrail: 'out', stage: 'output', rule: 'pii.email', action: 'redact', count: 1 }]);
  });
});

describe('output webhooks on streams', () => {
  const webhook = (failMode: 'open' | 'closed') => ({ hook: { action: 'block', stages: ['output'], detectors: {}, webhook: { url: 'http://127.0.0.1:9/check', failMode } } }) satisfies Record<string, GuardrailSpec>;
  const request = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }], stream: true };

  it('failMode closed: the stream request is refused up front, naming the guardrail and rule webhook', () => {
    const ctx = ctxWith(webhook('closed'));
    let err: unknown;
    try {
      createGuardrailPipeline().chatInput(ctx, request);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'GW_GUARDRAIL_BLOCKED', message: expect.stringContaining('"hook"') });
    expect((err as Error).message).toMatch(/webhook.*Streams cannot be checked by this guardrail; ask for a non-stream answer/);
    expect(ctx.guardrailHits).toEqual([{ guardrail: 'hook', stage: 'output', rule: 'webhook', action: 'block', count: 1 }]);
    // Not a stream: the webhook checks the whole answer later, nothing up front.
    const plain = ctxWith(webhook('closed'), false);
    expect(createGuardrailPipeline().chatInput(plain, { ...request, stream: false })).toBeUndefined();
    expect(plain.guardrailHits).toEqual([]);
  });

  it('failMode open: the stream goes on and a flag hit says the webhook did not check it', () => {
    const ctx = ctxWith(webhook('open'));
    const pipeline = createGuardrailPipeline();
    expect(pipeline.chatInput(ctx, request)).toBeUndefined();
    expect(pipeline.chatStream(ctx)).toBeUndefined(); // no detectors: chunks pass untouched
    expect(ctx.guardrailHits).toEqual([{ guardrail: 'hook', stage: 'output', rule: 'webhook', action: 'flag', count: 1 }]);
  });

  it('jsonOutput on a stream records nothing and changes nothing', () => {
    const ctx = ctxWith({ json: { action: 'block', stages: ['output'], detectors: { jsonOutput: true } } });
    const pipeline = createGuardrailPipeline();
    expect(pipeline.chatInput(ctx, { ...request, response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nope' } } } })).toBeUndefined();
    expect(pipeline.chatStream(ctx)).toBeUndefined();
    expect(ctx.guardrailHits).toEqual([]);
  });
});
