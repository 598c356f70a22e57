import { describe, expect, it } from 'vitest';
import { errorFromResponse, upstreamErrorCode } from './transport.js';

const body = (text: string) => ({ text: async () => text });
const openAiMessage = (text: string) => (JSON.parse(text) as { error: { message: string } }).error.message;

describe('upstream error codes', () => {
  it('keeps the upstream\'s own error code (OpenAI, Azure) for failover decisions', async () => {
    const text = JSON.stringify({ error: { message: "This model's maximum context length is 8192 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } });
    const err = await errorFromResponse(400, {}, body(text), 0, openAiMessage);
    expect(err).toMatchObject({ code: 'GW_UPSTREAM_REJECTED', status: 400, upstreamCode: 'context_length_exceeded' });
  });

  it('is undefined for bodies without one', () => {
    expect(upstreamErrorCode('<html>bad gateway</html>')).toBeUndefined();
    expect(upstreamErrorCode('{"error":{"message":"x","code":null}}')).toBeUndefined();
    expect(upstreamErrorCode('{"type":"error","error":{"type":"invalid_request_error"}}')).toBeUndefined();
    expect(upstreamErrorCode('{not json')).toBeUndefined();
    expect(upstreamErrorCode('  {"error":{"code":"content_filter"}}')).toBe('content_filter');
  });
});
