import { describe, expect, it } from 'vitest';
import { GatewayError, upstreamStatusError } from '../../kernel/errors/index.js';
import type { ChatCompletion } from '../../kernel/wire/openai.js';
import { DEFAULT_ROUTING } from './defaults.js';
import { classifyFailure, isContentFiltered, mayFailOver } from './failure-class.js';

const classify = (err: unknown, aborted = false) => classifyFailure(err, aborted);

describe('classifyFailure', () => {
  it('retries transient faults of the deployment: connect errors, timeouts, 429, 5xx, a cut before the first chunk', () => {
    for (const err of [
      new GatewayError('GW_UPSTREAM_UNREACHABLE'),
      new GatewayError('GW_UPSTREAM_TIMEOUT'),
      upstreamStatusError(429, 'slow down', 3),
      upstreamStatusError(500, 'boom'),
      upstreamStatusError(503, undefined),
      new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED'),
    ]) {
      expect(classify(err)).toEqual({ action: 'retry', reason: 'error', unhealthy: true });
    }
  });

  it('fails over without retrying when the deployment cannot serve (credentials)', () => {
    expect(classify(upstreamStatusError(401, 'bad key'))).toEqual({ action: 'failover', reason: 'error', unhealthy: true });
    // A provider whose Secret cannot be decrypted here: another deployment may use another credential.
    expect(classify(new GatewayError('GW_SECRET_UNAVAILABLE'))).toEqual({ action: 'failover', reason: 'error', unhealthy: true });
  });

  it('recognises context-window overflow by the upstream code or its words, and does not blame the deployment', () => {
    const byCode = upstreamStatusError(400, 'too long', undefined, 'context_length_exceeded');
    const openai = upstreamStatusError(400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.");
    const anthropic = upstreamStatusError(400, 'invalid_request_error: prompt is too long: 210000 tokens > 200000 maximum');
    const big = upstreamStatusError(413, 'input exceeds the context window');
    for (const err of [byCode, openai, anthropic, big]) expect(classify(err)).toEqual({ action: 'failover', reason: 'context_window', unhealthy: false });
  });

  it('recognises content-filter refusals by code or words', () => {
    const azure = upstreamStatusError(400, "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", undefined, 'content_filter');
    const policy = upstreamStatusError(400, 'rejected', undefined, 'content_policy_violation');
    for (const err of [azure, policy]) expect(classify(err)).toEqual({ action: 'failover', reason: 'content_filter', unhealthy: false });
  });

  it('never retries other 4xx, client aborts or unknown errors', () => {
    expect(classify(upstreamStatusError(400, 'temperature must be at most 2')).action).toBe('fatal');
    expect(classify(upstreamStatusError(404, 'no such model')).action).toBe('fatal');
    expect(classify(upstreamStatusError(500, 'boom'), true).action).toBe('fatal');
    expect(classify(new Error('client left')).action).toBe('fatal');
    expect(classify(new GatewayError('GW_INTERNAL')).action).toBe('fatal');
  });
});

describe('mayFailOver', () => {
  it('follows routing.fallbackOn', () => {
    const on = DEFAULT_ROUTING.fallbackOn;
    expect([mayFailOver('error', on), mayFailOver('context_window', on), mayFailOver('content_filter', on)]).toEqual([true, false, false]);
    const all = { error: false, contextWindow: true, contentFilter: true };
    expect([mayFailOver('error', all), mayFailOver('context_window', all), mayFailOver('content_filter', all)]).toEqual([false, true, true]);
  });
});

describe('isContentFiltered', () => {
  const completion = (...reasons: ('stop' | 'content_filter')[]): ChatCompletion => ({
    id: 'x',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: reasons.map((finish_reason, index) => ({ index, message: { role: 'assistant', content: '' }, finish_reason })),
  });
  it('is true only when every choice was filtered', () => {
    expect(isContentFiltered(completion('content_filter'))).toBe(true);
    expect(isContentFiltered(completion('stop'))).toBe(false);
    expect(isContentFiltered(completion('stop', 'content_filter'))).toBe(false);
  });
});
