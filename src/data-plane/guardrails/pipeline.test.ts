import { describe, expect, it } from 'vitest';
import { compileGuardrail } from '../../control-plane/snapshot/compile-guardrails.js';
import type { Logger } from '../../kernel/logger.js';
import type { ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { newRequestContext } from '../context.js';
import type { RuntimeSnapshot } from '../snapshot.js';
import { createGuardrailPipeline } from './index.js';

const EMAIL = 'jane.doe@example.com';

function ctxWith(guardrails: RuntimeSnapshot['guardrails']) {
  const snapshot = { guardrails } as unknown as RuntimeSnapshot;
  return newRequestContext({ requestId: 'req_1', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot });
}

function capturingLogger(lines: string[]): Logger {
  const log = (...args: unknown[]) => lines.push(JSON.stringify(args));
  const logger: Logger = { debug: log, info: log, warn: log, error: log, child: () => logger };
  return logger;
}

describe('guardrail pipeline', () => {
  it('no guardrails: nothing to await, nothing recorded', () => {
    const ctx = ctxWith([]);
    const pipeline = createGuardrailPipeline();
    expect(pipeline.chatInput(ctx, { model: 'm', messages: [{ role: 'user', content: EMAIL }] })).toBeUndefined();
    expect(pipeline.chatStream(ctx)).toBeUndefined();
  });

  it('redacts text parts and system messages; a failing webhook that fails open logs no prompt text', async () => {
    const lines: string[] = [];
    const failing = async () => {
      throw new Error(`connection refused while sending ${EMAIL}`);
    };
    const pipeline = createGuardrailPipeline({ logger: capturingLogger(lines), fetch: failing });
    const g = compileGuardrail('pii', { action: 'redact', detectors: { pii: ['email'] }, webhook: { url: 'http://127.0.0.1:9/x' } });
    const ctx = ctxWith([g]);
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [
        { role: 'system', content: `escalate to ${EMAIL}` },
        { role: 'user', content: [{ type: 'text', text: `me: ${EMAIL}` }, { type: 'image_url', image_url: { url: 'http://img' } }] },
      ],
    };
    await pipeline.chatInput(ctx, request);
    expect(JSON.stringify(request)).not.toContain(EMAIL);
    expect(request.messages[0]!.content).toBe('escalate to [REDACTED:pii.email]');
    expect(ctx.guardrailHits).toEqual([{ guardrail: 'pii', stage: 'input', rule: 'pii.email', action: 'redact', count: 2 }]);
    expect(lines.length).toBe(1);
    expect(lines.join('\n')).not.toContain(EMAIL);
  });

  it('stream: flushes the held-back tail on finish_reason and rewrites the chunk (no stale raw JSON)', () => {
    const g = compileGuardrail('pii', { action: 'redact', stages: ['output'], detectors: { pii: ['email'] } });
    const guard = createGuardrailPipeline().chatStream(ctxWith([g]))!;
    const chunk = (content: string, finish: 'stop' | null = null): ChatCompletionChunk => ({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    });
    const out: string[] = [];
    for (const piece of ['mail jane', '.doe@exa', 'mple.com now']) {
      const c = chunk(piece);
      if (guard.chunk(c)) out.push(c.choices[0]!.delta.content ?? '');
    }
    const last = chunk('', 'stop');
    expect(guard.chunk(last)).toBe(true);
    out.push(last.choices[0]!.delta.content ?? '');
    expect(out.join('')).toBe('mail [REDACTED:pii.email] now');
    expect(guard.end(last, 'c', 1, 'm')).toBeUndefined();
  });
});
