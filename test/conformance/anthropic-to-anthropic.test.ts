/**
 * Conformance: Anthropic Messages clients (/v1/messages) served by an Anthropic upstream. The request
 * goes through the internal chat shape and back (to-chat with `native`, then the Anthropic
 * provider), so this checks nothing Anthropic-specific is lost on the way: cache_control, thinking,
 * signed thinking blocks, cache-token usage. Runs the real gateway in-process against a recording
 * fake of api.anthropic.com (recorded answers from src/providers/anthropic/fixtures).
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/main/gateway.js';
import { anthropicFixture, startFakeAnthropic } from '../e2e/helpers/fake-anthropic.js';
import { ANTHROPIC_UPSTREAM_CONFIG, startInProcessGateway } from './helpers/in-process-gateway.js';

const KEY = 'gk_conformance_a2a_key_0123456789abcdefgh';

let upstream: Awaited<ReturnType<typeof startFakeAnthropic>>;
let gateway: RunningGateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startFakeAnthropic();
  gateway = await startInProcessGateway({
    config: ANTHROPIC_UPSTREAM_CONFIG,
    key: KEY,
    env: { ANTHROPIC_BASE: upstream.url, ANTHROPIC_KEY: 'sk-ant-conformance' },
  });
  client = new Anthropic({ baseURL: gateway.url, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const tool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' as const } };
const signed = { type: 'thinking' as const, thinking: 'Need the weather tool.', signature: 'EqQBsig==' };

describe('Anthropic Messages → Anthropic upstream (conformance)', () => {
  it('a failed tool result keeps its is_error flag, and a matched stop sequence comes back as stop_sequence', async () => {
    const text = JSON.parse(anthropicFixture('text.json')) as Record<string, unknown>;
    upstream.reply({ json: JSON.stringify({ ...text, stop_reason: 'stop_sequence', stop_sequence: 'END' }) });
    const answer = await client.messages.create({
      model: 'sonnet',
      max_tokens: 256,
      stop_sequences: ['END'],
      tools: [tool],
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_02', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_02', content: 'service down', is_error: true }] },
      ],
    });
    const sent = upstream.requests.at(-1)!.body as { messages: { content: unknown }[] };
    expect(sent.messages[2]?.content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_02', content: 'service down', is_error: true }]);
    expect(answer).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });

  it('the upstream receives the client request with cache_control, thinking, effort and signed thinking blocks intact', async () => {
    upstream.reply({ json: anthropicFixture('text.json') });
    await client.messages.create({
      model: 'sonnet',
      max_tokens: 2048,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [tool],
      tool_choice: { type: 'auto' },
      stop_sequences: ['END'],
      output_config: { effort: 'high' },
      cache_control: { type: 'ephemeral' },
      metadata: { user_id: 'user-7' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [signed, { type: 'redacted_thinking', data: 'opaque' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '21°C' }] },
      ],
    });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 2048,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', description: 'Weather', input_schema: tool.input_schema, cache_control: { type: 'ephemeral' } }],
      tool_choice: { type: 'auto' },
      stop_sequences: ['END'],
      output_config: { effort: 'high' },
      metadata: { user_id: 'user-7' },
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        {
          role: 'assistant',
          content: [signed, { type: 'redacted_thinking', data: 'opaque' }, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }],
        },
        // Top-level (automatic) cache_control: a breakpoint on the last block of the prompt.
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '21°C', cache_control: { type: 'ephemeral' } }] },
      ],
    });
  });

  it('a final assistant message (prefill) reaches an Anthropic upstream', async () => {
    upstream.reply({ json: anthropicFixture('text.json') });
    await client.messages.create({ model: 'sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'The capital is' }] });
    expect((upstream.requests.at(-1)!.body.messages as unknown[]).at(-1)).toEqual({ role: 'assistant', content: 'The capital is' });
  });

  it('cache usage comes back as Anthropic reports it', async () => {
    upstream.reply({ json: anthropicFixture('text.json') });
    const msg = await client.messages.create({ model: 'sonnet', max_tokens: 50, messages: [{ role: 'user', content: 'Capital of France?' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'Paris is the capital of France.' }]);
    expect(msg.usage).toMatchObject({ input_tokens: 12, cache_creation_input_tokens: 2048, cache_read_input_tokens: 1024, output_tokens: 9 });
  });

  it('thinking blocks come back with their signatures (non-stream and stream)', async () => {
    const params = { model: 'sonnet', max_tokens: 2048, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [{ role: 'user' as const, content: 'What is 27 * 453?' }] };
    upstream.reply({ json: anthropicFixture('thinking.json') });
    const msg = await client.messages.create(params);
    const fixture = JSON.parse(anthropicFixture('thinking.json')) as { content: unknown[] };
    expect(msg.content).toEqual(fixture.content);

    upstream.reply({ sse: anthropicFixture('thinking-stream.sse'), chunkBytes: 37 });
    const streamed = await client.messages.stream(params).finalMessage();
    expect(streamed.content[0]).toEqual({ type: 'thinking', thinking: '27 * 453 = 10800 + 1431 = 12231.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds7ZLb5ZaO4Fg1bxEp3u2Tnb4Tm0rNo+AbA==' });
    expect(streamed.content[1]).toEqual({ type: 'text', text: '27 × 453 = 12,231.' });
    expect(streamed.stop_reason).toBe('end_turn');
  });
});
