import { describe, expect, it } from 'vitest';
import { compiledModel, testSnapshot } from '../../../test/helpers/compiled.js';
import type { ChatCompletionRequest } from '../../kernel/wire/openai.js';
import { newRequestContext } from '../context.js';
import type { CompiledCache } from '../snapshot.js';
import { cacheKey, cacheNamespace } from './cache-key.js';

const base: ChatCompletionRequest = {
  model: 'chat',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'What is 2+2?' },
  ],
  temperature: 0,
};
const key = (r: ChatCompletionRequest, ns = 'team:a', model = 'chat') => cacheKey(ns, model, r);

describe('cacheKey', () => {
  it('has the form <namespace>:<model>:<sha256 hex>', () => {
    expect(key(base)).toMatch(/^team:a:chat:[0-9a-f]{64}$/);
  });

  it('ignores the order of object keys and fields that are undefined', () => {
    const reordered = {
      temperature: 0,
      messages: [
        { content: 'Be brief.', role: 'system' },
        { content: 'What is 2+2?', role: 'user', name: undefined },
      ],
      model: 'chat',
      seed: undefined,
    } as ChatCompletionRequest;
    expect(key(reordered)).toBe(key(base));
  });

  it('treats null as not given for parameters and message fields', () => {
    const withNulls = { ...base, top_p: null, stop: null, messages: [...base.messages, { role: 'assistant' as const, content: null, tool_calls: [{ id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } }] }] };
    const without = { ...base, messages: [...base.messages, { role: 'assistant' as const, tool_calls: [{ id: 'c', type: 'function' as const, function: { name: 'f', arguments: '{}' } }] }] };
    expect(key(withNulls)).toBe(key(without));
  });

  it('is the same for a stream and a non-stream request, and ignores user, metadata and store', () => {
    expect(key({ ...base, stream: true, stream_options: { include_usage: true } })).toBe(key(base));
    expect(key({ ...base, user: 'u1', metadata: { a: 'b' }, store: true })).toBe(key(base));
  });

  it('uses the served model, not the name the client sent', () => {
    expect(key({ ...base, model: 'some-route' })).toBe(key(base));
    expect(key(base, 'team:a', 'other-model')).not.toBe(key(base));
  });

  const tool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };
  const changes: [string, Partial<ChatCompletionRequest>][] = [
    ['a message', { messages: [{ role: 'user', content: 'What is 2+3?' }] }],
    ['message order', { messages: [base.messages[1]!, base.messages[0]!] }],
    ['a role', { messages: [{ role: 'developer', content: 'Be brief.' }, base.messages[1]!] }],
    ['content as parts', { messages: [base.messages[0]!, { role: 'user', content: [{ type: 'text', text: 'What is 2+2?' }] }] }],
    ['tools', { tools: [tool] }],
    ['tool_choice', { tools: [tool], tool_choice: 'required' }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['temperature', { temperature: 0.7 }],
    ['top_p', { top_p: 0.5 }],
    ['max_tokens', { max_tokens: 10 }],
    ['max_completion_tokens', { max_completion_tokens: 10 }],
    ['n', { n: 2 }],
    ['seed', { seed: 7 }],
    ['stop', { stop: ['\n'] }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { logprobs: true, top_logprobs: 2 }],
    ['reasoning_effort', { reasoning_effort: 'high' }],
    ['parallel_tool_calls', { tools: [tool], parallel_tool_calls: false }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['an unknown parameter', { verbosity: 'low' }],
  ];
  it.each(changes)('changes with %s', (_name, change) => {
    const withTools = change.tools ? key({ ...base, tools: change.tools }) : undefined;
    const changed = key({ ...base, ...change });
    expect(changed).not.toBe(key(base));
    if (withTools && change.tool_choice !== undefined) expect(changed).not.toBe(withTools);
    if (withTools && change.parallel_tool_calls !== undefined) expect(changed).not.toBe(withTools);
  });

  it('differs between teams, and between a team and the shared namespace', () => {
    expect(key(base, 'team:a')).not.toBe(key(base, 'team:b'));
    expect(key(base, 'team:a')).not.toBe(key(base, 'shared'));
  });
});

describe('cacheNamespace', () => {
  const cache = (shared: boolean): CompiledCache => ({ exact: { ttlMs: 1_000 }, semantic: undefined, shared, staleMs: 0 });
  const ctxFor = (team: string | undefined, shared: boolean) => {
    const ctx = newRequestContext({ requestId: 'r', endpoint: 'chat.completions', startedAt: 0, startMono: 0, headers: {}, snapshot: testSnapshot() });
    ctx.principal = team === undefined ? undefined : { keyId: 'k', keyName: 'k', team };
    ctx.model = compiledModel(
      { name: 'chat', type: 'chat', deployments: [], pricing: { free: true, version: 'v' }, limits: { maxOutputTokens: 1, contextWindow: undefined } },
      { cache: cache(shared) },
    );
    return ctx;
  };

  it('is the team, or `shared` for a shareable model, and undefined without a principal', () => {
    expect(cacheNamespace(ctxFor('a', false))).toBe('team:a');
    expect(cacheNamespace(ctxFor('b', false))).toBe('team:b');
    expect(cacheNamespace(ctxFor('a', true))).toBe('shared');
    expect(cacheNamespace(ctxFor(undefined, false))).toBeUndefined();
  });
});
