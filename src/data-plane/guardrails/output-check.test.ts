import { describe, expect, it } from 'vitest';
import { compileGuardrail } from '../../control-plane/snapshot/compile-guardrails.js';
import type { ChatCompletion, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { newRequestContext } from '../context.js';
import type { RuntimeSnapshot } from '../snapshot.js';
import { createGuardrailPipeline } from './index.js';

const answer = (content: string): ChatCompletion => ({ id: 'c', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
// `type: "nope"` is not a JSON Schema type: Ajv refuses to compile it (schema_invalid).
const request: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'nope' } } } };

function ctx() {
  const g = compileGuardrail('json', { action: 'block', stages: ['output'], detectors: { jsonOutput: true } });
  return newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot: { guardrails: [g] } as unknown as RuntimeSnapshot });
}

describe('jsonOutput with a schema that does not compile', () => {
  it('fails at once with GW_REQUEST_INVALID naming response_format.json_schema: no retry, no output block', async () => {
    for (const content of ['{"a":1}', 'not json']) {
      const c = ctx();
      let retries = 0;
      const retry = async () => {
        retries++;
        return answer('{"a":1}');
      };
      await expect(createGuardrailPipeline().chatOutput(c, request, answer(content), retry)).rejects.toMatchObject({ code: 'GW_REQUEST_INVALID', param: 'response_format.json_schema' });
      expect(retries).toBe(0);
      expect(c.guardrailHits).toEqual([]);
    }
  });

  it('is refused before the upstream is asked (input stage of a non-stream request)', () => {
    expect(() => createGuardrailPipeline().chatInput(ctx(), request)).toThrow(expect.objectContaining({ code: 'GW_REQUEST_INVALID', message: expect.stringContaining('response_format.json_schema') }));
  });

  it('a valid schema still gets its one retry', async () => {
    const valid = { ...request, response_format: { type: 'json_schema' as const, json_schema: { name: 'x', schema: { type: 'object', required: ['a'] } } } };
    const c = ctx();
    expect(createGuardrailPipeline().chatInput(c, valid)).toBeUndefined();
    const out = await createGuardrailPipeline().chatOutput(c, valid, answer('{}'), async () => answer('{"a":1}'));
    expect(out.choices[0]!.message.content).toBe('{"a":1}');
  });
});

describe('output redaction of a non-stream answer', () => {
  it('covers the reasoning and the refusal, not only the content', async () => {
    const g = compileGuardrail('pii', { action: 'redact', stages: ['output'], detectors: { pii: ['email'] } });
    const snapshot = { guardrails: [g], routes: new Map() } as unknown as RuntimeSnapshot;
    const c = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot });
    c.model = { name: 'm' } as never;
    c.principal = { keyId: 'k', keyName: 'k', team: 't' } as never;
    const completion = answer('ok');
    Object.assign(completion.choices[0]?.message ?? {}, { reasoning_content: 'mail bob@example.com first', refusal: 'I will not write to eve@example.com' });
    const out = await createGuardrailPipeline().chatOutput(c, { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, completion, async () => completion);
    const text = JSON.stringify(out);
    expect(text).not.toContain('@example.com');
    expect(text).toContain('[REDACTED:pii.email]');
  });
});
