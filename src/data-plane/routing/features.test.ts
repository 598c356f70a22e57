import { describe, expect, it } from 'vitest';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { complexityScore } from './complexity.js';
import { looksLikeCode, requestFeatures } from './features.js';

const who = (over: Partial<Parameters<typeof requestFeatures>[1]> = {}) => ({ headers: {}, principal: undefined, attribution: undefined, ...over });
const req = (over: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: 'auto', messages: [{ role: 'user', content: 'hi' }], ...over });

describe('request features', () => {
  it('estimates prompt tokens as UTF-8 bytes / 4 over messages, tool calls, tool definitions and the JSON schema', () => {
    const text = 'é'.repeat(10); // 20 bytes
    expect(requestFeatures(req({ messages: [{ role: 'user', content: text }] }), who()).promptTokens).toBe(5);
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } }];
    const schema = { name: 's', schema: { type: 'object' } };
    const f = requestFeatures(
      req({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'abcd' }, { type: 'image_url', image_url: { url: 'http://x/y.png' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        ],
        tools,
        response_format: { type: 'json_schema', json_schema: schema },
      }),
      who(),
    );
    const bytes = 4 + 1 + 2 + JSON.stringify(tools).length + JSON.stringify(schema).length;
    expect(f.promptTokens).toBe(Math.ceil(bytes / 4));
    expect(f).toMatchObject({ tools: true, toolCount: 1, jsonMode: true, images: true, messages: 2, turns: 1 });
  });

  it('counts user turns, reads max tokens, and lower-cases and caps the last user message', () => {
    const f = requestFeatures(
      req({
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'first' },
          { role: 'assistant', content: 'ok' },
          { role: 'user', content: `PROVE It ${'x'.repeat(3000)}` },
        ],
        max_tokens: 100,
        max_completion_tokens: 300,
      }),
      who(),
    );
    expect(f.turns).toBe(2);
    expect(f.maxTokens).toBe(300);
    expect(f.lastUser.startsWith('prove it x')).toBe(true);
    expect(f.lastUser.length).toBe(2000);
    expect(requestFeatures(req({ max_tokens: 50 }), who()).maxTokens).toBe(50);
    expect(requestFeatures(req({}), who()).maxTokens).toBe(0);
  });

  it('takes the task from x-gantry-task, else the task tag; agent and team from the context', () => {
    const attribution = { agent: 'planner', workflow: undefined, run: undefined, tags: { task: 'Code' } };
    const principal = { keyId: 'k', keyName: 'k', team: 'team-a' };
    expect(requestFeatures(req({}), who({ attribution, principal }))).toMatchObject({ task: 'code', agent: 'planner', team: 'team-a' });
    expect(requestFeatures(req({}), who({ attribution, headers: { 'x-gantry-task': 'Reasoning' } })).task).toBe('reasoning');
    expect(requestFeatures(req({}), who())).toMatchObject({ task: '', agent: '', team: '' });
  });

  it('detects code in what people wrote, not in prose', () => {
    const code = [
      'Why does this fail?\n```\nx = 1\n```',
      'def running_median(nums):\n    return nums',
      '#include <stdio.h>\nint main() { return 0; }',
      'SELECT id, name FROM users WHERE id = 1',
      'const f = (a, b) => a + b',
      'func (s *Server) handle(w http.ResponseWriter) {\n  s.mu.Lock();\n  s.n++;\n}',
      'import numpy as np\nfrom scipy import stats',
    ];
    for (const text of code) expect(looksLikeCode(text), text).toBe(true);
    const prose = [
      'Let me know if you can select the best option from the list.',
      'Return the jacket within 30 days; keep the receipt.',
      'My class starts at 9. Can I import my contacts from Gmail?',
      'Our design function is working well {mostly}.',
    ];
    for (const text of prose) expect(looksLikeCode(text), text).toBe(false);
    // Code in an assistant or tool message (generated) does not count; in the user's message it does.
    const fenced = '```js\nlet a = 1;\n```';
    expect(requestFeatures(req({ messages: [{ role: 'user', content: 'fix' }, { role: 'tool', content: fenced, tool_call_id: 'c' }] }), who()).code).toBe(false);
    expect(requestFeatures(req({ messages: [{ role: 'user', content: `fix\n${fenced}` }] }), who()).code).toBe(true);
  });
});

describe('the complexity score', () => {
  const base = requestFeatures(req({}), who());
  const { score: _s, ...plain } = base;

  it('keeps a greeting low and sends reasoning, code, and agents with many tools over 0.5', () => {
    expect(complexityScore(plain)).toBeLessThan(0.2);
    expect(complexityScore({ ...plain, lastUser: 'prove that there are infinitely many primes' })).toBeGreaterThanOrEqual(0.5);
    expect(complexityScore({ ...plain, code: true, lastUser: 'why does this crash?' })).toBeGreaterThanOrEqual(0.5);
    expect(complexityScore({ ...plain, lastUser: 'write a python script that renames my photos by date' })).toBeGreaterThanOrEqual(0.5);
    expect(complexityScore({ ...plain, tools: true, toolCount: 5, lastUser: 'the nightly job failed, figure out why' })).toBeGreaterThanOrEqual(0.5);
  });

  it('reads declared tasks and short-answer limits, and stays within 0..1', () => {
    expect(complexityScore({ ...plain, lastUser: 'what about the second option?' })).toBeLessThan(0.5);
    expect(complexityScore({ ...plain, lastUser: 'what about the second option?', task: 'reasoning' })).toBeGreaterThanOrEqual(0.5);
    expect(complexityScore({ ...plain, task: 'classification', lastUser: 'analyze and compare the design trade-offs' })).toBeLessThan(
      complexityScore({ ...plain, lastUser: 'analyze and compare the design trade-offs' }),
    );
    expect(complexityScore({ ...plain, maxTokens: 5, lastUser: 'translate: hello' })).toBe(0);
    const everything = { ...plain, promptTokens: 50_000, turns: 9, tools: true, toolCount: 9, code: true, images: true, maxTokens: 8000, task: 'code', lastUser: 'prove, derive, analyze, design, optimize, debug step by step' };
    expect(complexityScore(everything)).toBe(1);
  });
});
