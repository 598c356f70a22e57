import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../kernel/errors/index.js';
import type { McpUpstream } from '../../mcp/contract.js';
import type { StoredResource } from '../../storage/ports/resource-store.js';
import type { McpServerSpec } from '../resources/kinds/mcp-server.js';
import type { ResolvedSecret, SecretResolver } from '../secrets/types.js';
import { compileMcpServers, type ResolvedMcpSecret } from './compile-mcp.js';
import { createResourceCache } from './resource-cache.js';

let revision = 0;
function row(kind: string, name: string, spec: Record<string, unknown>, generation = 1): StoredResource {
  return {
    kind, name, uid: `uid-${kind}-${name}`, team: undefined, owner: undefined, labels: {}, spec, status: undefined, secret: undefined,
    generation, revision: ++revision, createdAt: 0, updatedAt: 0, createdBy: 't', updatedBy: 't', deleted: false, lastUsedAt: undefined,
  };
}

const VALUES: Record<string, ResolvedSecret> = {
  'demo-token': { value: 'tok-123', version: 2 },
  'api-key': { value: 'key-456', version: 1, previous: { value: 'key-old', version: 0, validUntil: 99 } },
};
const resolver: SecretResolver = {
  resolve(name) {
    if (name === 'undecryptable') throw new GatewayError('GW_SECRET_UNAVAILABLE', 'Secret "undecryptable" could not be decrypted with this master key.');
    return VALUES[name];
  },
};

function setup(rows: StoredResource[]) {
  const cache = createResourceCache();
  cache.apply(rows);
  const calls: Array<{ name: string; spec: McpServerSpec; secrets: ReadonlyMap<string, ResolvedMcpSecret> }> = [];
  const upstreamFor = (name: string, spec: McpServerSpec, secrets: ReadonlyMap<string, ResolvedMcpSecret>) => {
    if (spec.command === 'broken') throw new Error(`McpServer "${name}": cannot set it up.`);
    calls.push({ name, spec, secrets });
    return { server: name } as unknown as McpUpstream;
  };
  return { cache, calls, upstreamFor };
}

const secretRows = [row('Secret', 'demo-token', {}), row('Secret', 'api-key', {}), row('Secret', 'undecryptable', {})];

describe('compileMcpServers', () => {
  it('defaults: 30 s timeout, every tool exposed, free; priceVersion names the generation', () => {
    const { cache, upstreamFor } = setup([row('McpServer', 'demo', { command: 'node', args: ['demo.mjs'] }, 4)]);
    const { servers, problems } = compileMcpServers(cache, { secrets: resolver, upstreamFor });
    expect(problems.size).toBe(0);
    expect(servers.get('demo')).toEqual({
      name: 'demo',
      upstream: { server: 'demo' },
      timeoutMs: 30_000,
      allow: undefined,
      deny: new Set(),
      perCallMicros: 0,
      toolPriceMicros: new Map(),
      priceVersion: 'mcpserver:demo@4',
      secrets: [],
    });
  });

  it('compiles allow/deny, timeout and prices in micro-USD (per tool overriding perCall)', () => {
    const { cache, upstreamFor } = setup([
      row('McpServer', 'demo', { command: 'node', timeoutMs: 5_000, tools: { allow: ['echo', 'add'], deny: ['delete_everything'] }, pricing: { perCall: '0.002', tools: { add: '0.01' } } }),
    ]);
    const demo = compileMcpServers(cache, { secrets: resolver, upstreamFor }).servers.get('demo');
    expect(demo).toMatchObject({ timeoutMs: 5_000, allow: new Set(['echo', 'add']), deny: new Set(['delete_everything']), perCallMicros: 2_000, toolPriceMicros: new Map([['add', 10_000]]) });
  });

  it('hands the upstream registry the resolved secrets of auth and env, with their revisions', () => {
    const { cache, calls, upstreamFor } = setup([
      ...secretRows,
      row('McpServer', 'remote', { url: 'https://mcp.example.com/mcp', auth: { secretRef: 'api-key' } }),
      row('McpServer', 'local', { command: 'node', env: { DEMO_MCP_TOKEN: { secretRef: 'demo-token' }, MODE: 'x' } }),
    ]);
    const { servers } = compileMcpServers(cache, { secrets: resolver, upstreamFor });
    expect([...servers.keys()]).toEqual(['local', 'remote']);
    expect(servers.get('local')?.secrets).toEqual(['demo-token']);
    expect(calls.find((c) => c.name === 'remote')?.secrets.get('api-key')).toEqual({ ...VALUES['api-key'], revision: 'uid-Secret-api-key#1' });
    expect(calls.find((c) => c.name === 'local')?.secrets.get('demo-token')).toEqual({ value: 'tok-123', version: 2, revision: 'uid-Secret-demo-token#2' });
  });

  it('leaves out a server whose secret is missing, undecryptable, or whose upstream cannot be set up; the others serve', () => {
    const { cache, upstreamFor } = setup([
      ...secretRows,
      row('McpServer', 'a-missing', { command: 'node', env: { T: { secretRef: 'nope' } } }),
      row('McpServer', 'b-undecryptable', { url: 'https://x/mcp', auth: { secretRef: 'undecryptable' } }),
      row('McpServer', 'c-broken', { command: 'broken' }),
      row('McpServer', 'd-fine', { command: 'node', env: { T: { secretRef: 'demo-token' } } }),
    ]);
    const { servers, problems } = compileMcpServers(cache, { secrets: resolver, upstreamFor });
    expect([...servers.keys()]).toEqual(['d-fine']);
    expect(Object.fromEntries(problems)).toEqual({
      'a-missing': 'McpServer "a-missing" uses Secret "nope", which does not exist.',
      'b-undecryptable': 'McpServer "b-undecryptable": Secret "undecryptable" could not be decrypted with this master key.',
      'c-broken': 'McpServer "c-broken": cannot set it up.',
    });
  });

  it('without a master key, servers using a Secret are left out; without an upstream registry, none is compiled', () => {
    const { cache, upstreamFor } = setup([...secretRows, row('McpServer', 'uses', { command: 'node', env: { T: { secretRef: 'demo-token' } } }), row('McpServer', 'plain', { command: 'node' })]);
    const noKey = compileMcpServers(cache, { upstreamFor });
    expect([...noKey.servers.keys()]).toEqual(['plain']);
    expect(noKey.problems.get('uses')).toContain('no master key');
    expect(compileMcpServers(cache, { secrets: resolver }).servers.size).toBe(0);
  });
});
