import { describe, expect, it } from 'vitest';
import type { CompiledAgent } from '../../data-plane/snapshot.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import { createKeyIndex } from './key-index.js';

function key(name: string, hashes: string[], spec: Record<string, unknown> = {}, status: Record<string, unknown> = {}): StoredResource {
  return {
    kind: 'ApiKey', name, uid: `uid-${name}`, team: 't', owner: undefined, labels: {}, spec: { team: 't', ...spec }, status, secret: { hashes: hashes.map((hash) => ({ hash })) },
    generation: 1, revision: 1, createdAt: 0, updatedAt: 0, createdBy: 'x', updatedBy: 'x', deleted: false, lastUsedAt: undefined,
  };
}
const agentRow = (name: string): StoredResource => ({ ...key(name, []), kind: 'Agent' });
const ctx = (agents = new Map<string, CompiledAgent>(), users: string[] = []) => ({ agents, activeUsers: new Map(users.map((u) => [u, new Set(['t'])])) });
const agent = (name: string, serving: boolean): CompiledAgent => ({ name, owner: 't', serving, models: undefined, tools: undefined });

describe('incremental key index', () => {
  it('adds, replaces and removes credentials, across compactions, without touching older views', () => {
    const index = createKeyIndex();
    const rows = new Map<string, StoredResource>();
    const put = (r: StoredResource) => rows.set(r.name, r);
    const many = Array.from({ length: 3_000 }, (_, i) => key(`k${i}`, [`h${i}`]));
    for (const r of many) put(r);
    const v1 = index.update(many, (n) => rows.get(n), ctx());
    expect(v1.size).toBe(3_000);
    expect(v1.get('h2999')?.keyName).toBe('k2999');

    put(key('k1', ['h1-new', 'h1']));
    const v2 = index.update([rows.get('k1') as StoredResource], (n) => rows.get(n), ctx());
    expect(v2.get('h1-new')?.keyName).toBe('k1');
    expect(v2.size).toBe(3_001);
    put(key('k1', ['h1-new'], {}, { revokedAt: '2026-01-01T00:00:00Z' }));
    const v3 = index.update([rows.get('k1') as StoredResource], (n) => rows.get(n), ctx());
    expect(v3.get('h1')).toBeUndefined();
    expect(v3.get('h1-new')).toBeUndefined();
    expect(v3.size).toBe(2_999);
    // Earlier snapshots keep answering as they did (requests in flight use the snapshot they started with).
    expect(v2.get('h1')?.keyName).toBe('k1');
    expect(v1.get('h1-new')).toBeUndefined();
    rows.delete('k2');
    const v4 = index.update([{ ...key('k2', []), deleted: true }], (n) => rows.get(n), ctx());
    expect(v4.get('h2')).toBeUndefined();
    expect([...v4.entries()].length).toBe(v4.size);
  });

  it("recompiles an agent's keys when the agent changes (suspended keys stop, active ones return)", () => {
    const index = createKeyIndex();
    const rows = new Map([['bot-key', key('bot-key', ['hb'], { agent: 'bot' })]]);
    const lookup = (n: string) => rows.get(n);
    expect(index.update([rows.get('bot-key') as StoredResource], lookup, ctx(new Map([['bot', agent('bot', true)]]))).get('hb')?.agent).toBe('bot');
    expect(index.update([agentRow('bot')], lookup, ctx(new Map([['bot', agent('bot', false)]]))).get('hb')).toBeUndefined();
    expect(index.update([agentRow('bot')], lookup, ctx(new Map([['bot', agent('bot', true)]]))).get('hb')?.agent).toBe('bot');
  });

  it("a disabled (or deleted) user's own keys stop; enabling the user restores them", () => {
    const index = createKeyIndex();
    const rows = new Map([['dave-key', key('dave-key', ['hd'], { user: 'dave' })]]);
    const lookup = (n: string) => rows.get(n);
    const user = { ...key('dave', []), kind: 'User' };
    // The principal names the key's user: budgets and rate limits scoped to a user match on it.
    expect(index.update([rows.get('dave-key') as StoredResource], lookup, ctx(new Map(), ['dave'])).get('hd')).toMatchObject({ keyName: 'dave-key', user: 'dave' });
    expect(index.update([user], lookup, ctx(new Map(), [])).get('hd')).toBeUndefined();
    expect(index.update([user], lookup, ctx(new Map(), ['dave'])).get('hd')?.keyName).toBe('dave-key');
  });
});
