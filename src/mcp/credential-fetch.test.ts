import { describe, expect, it } from 'vitest';
import { credentialFetch } from './credential-fetch.js';

/** A fake upstream that accepts one bearer value and records what each request carried. */
function upstream(accepted: string) {
  const seen: Array<Record<string, string>> = [];
  const fetch = async (_url: string | URL, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    seen.push(headers);
    return new Response('{}', { status: headers.authorization === `Bearer ${accepted}` ? 200 : 401 });
  };
  return { fetch, seen };
}

const cred = (value: string, previous?: { value: string; validUntil: number }) => ({ header: 'authorization', scheme: 'Bearer', value, previous });

describe('credentialFetch', () => {
  it('adds plain headers without overriding the transport, then the credential', async () => {
    const up = upstream('current');
    const f = credentialFetch({ headers: { 'x-team': 'a', 'content-type': 'text/plain', authorization: 'plain' }, credential: cred('current'), now: () => 0, fetch: up.fetch });
    const res = await f('http://u/mcp', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    expect(up.seen).toEqual([{ 'x-team': 'a', 'content-type': 'application/json', authorization: 'Bearer current' }]);
  });

  it('retries a 401 once with the previous value in its grace window, and prefers the value that worked afterwards', async () => {
    const up = upstream('old');
    const f = credentialFetch({ credential: cred('new', { value: 'old', validUntil: 1_000 }), now: () => 500, fetch: up.fetch });
    expect((await f('http://u/mcp', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(up.seen.map((h) => h.authorization)).toEqual(['Bearer new', 'Bearer old']);
    expect((await f('http://u/mcp', { method: 'POST', body: '{}' })).status).toBe(200);
    expect(up.seen.map((h) => h.authorization)).toEqual(['Bearer new', 'Bearer old', 'Bearer old']);
  });

  it('does not use the previous value after its grace window, nor retry when neither works', async () => {
    const expired = upstream('old');
    const f = credentialFetch({ credential: cred('new', { value: 'old', validUntil: 1_000 }), now: () => 1_000, fetch: expired.fetch });
    expect((await f('http://u/mcp')).status).toBe(401);
    expect(expired.seen).toHaveLength(1);
    const neither = upstream('other');
    const g = credentialFetch({ credential: cred('new', { value: 'old', validUntil: 1_000 }), now: () => 0, fetch: neither.fetch });
    expect((await g('http://u/mcp')).status).toBe(401);
    expect(neither.seen).toHaveLength(2);
  });

  it('sends the bare value with an empty scheme, in the configured header', async () => {
    const seen: Array<Record<string, string>> = [];
    const f = credentialFetch({
      credential: { header: 'x-api-key', scheme: '', value: 'k' },
      now: () => 0,
      fetch: async (_u, init) => {
        seen.push(Object.fromEntries(new Headers(init?.headers).entries()));
        return new Response('{}');
      },
    });
    await f('http://u/mcp');
    expect(seen).toEqual([{ 'x-api-key': 'k' }]);
  });
});
