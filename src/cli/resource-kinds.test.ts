import { describe, expect, it } from 'vitest';
import { formatTable } from './output.js';
import { resolveKind } from './resource-kinds.js';

function table(kind: string, items: unknown[]): string {
  const info = resolveKind(kind);
  return formatTable(
    info.columns.map((c) => c.header),
    items.map((r) => info.columns.map((c) => c.value(r, Date.parse('2026-11-02T00:00:00Z')))),
  );
}
const meta = (name: string) => ({ name, generation: 3, createdAt: '2026-11-01T00:00:00Z' });

describe('gantry get for money kinds', () => {
  it('resolves the new kinds by singular, plural and dashed names', () => {
    expect(resolveKind('budget').kind).toBe('Budget');
    expect(resolveKind('RateLimits').plural).toBe('ratelimits');
    expect(resolveKind('rate-limit').kind).toBe('RateLimit');
    expect(resolveKind('price-books').kind).toBe('PriceBook');
    expect(resolveKind('gpupool').kind).toBe('GpuPool');
    expect(resolveKind('keys').kind).toBe('ApiKey');
  });

  it('lists budgets with scope, window, limit and enforcement', () => {
    const out = table('budgets', [
      { kind: 'Budget', metadata: meta('team-a-monthly'), spec: { scope: { team: 'team-a' }, window: 'monthly', limitUsd: '50.00', enforcement: 'hard' } },
      { kind: 'Budget', metadata: meta('run-cap'), spec: { scope: { workflow: 'triage', tags: { repo: 'web' } }, per: 'run', window: 'total', limitUsd: '0.25' } },
      { kind: 'Budget', metadata: meta('all'), spec: { scope: {}, window: 'daily', limitUsd: '1000', enforcement: 'soft' } },
    ]);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+SCOPE\s+WINDOW\s+LIMIT\s+ENFORCEMENT\s+AGE$/);
    expect(out).toMatch(/team-a-monthly\s+team=team-a\s+monthly\s+\$50\.00\s+hard\s+1d/);
    expect(out).toMatch(/run-cap\s+workflow=triage,tag:repo=web,per=run\s+total\s+\$0\.25\s+hard/);
    expect(out).toMatch(/all\s+all\s+daily\s+\$1000\s+soft/);
  });

  it('lists rate limits, price books and GPU pools', () => {
    expect(table('ratelimits', [{ metadata: meta('team-b-rpm'), spec: { scope: { team: 'team-b' }, per: 'apiKey', requestsPerMinute: 5 } }])).toMatch(
      /team-b-rpm\s+team=team-b\s+apiKey\s+5\s+-\s+-\s+1d/,
    );
    expect(table('pricebooks', [{ metadata: meta('acme'), spec: { prices: [{}, {}] } }])).toMatch(/acme\s+gen 3\s+0\s+2\s+1d/);
    expect(table('gpupools', [{ metadata: meta('h100-a'), spec: { gpuType: 'H100', gpus: 2, costPerGpuHourUsd: '2.50', tokensPerSecond: 2500 } }])).toMatch(
      /h100-a\s+H100\s+2\s+2\.50\s+2500\s+0\.6\s+1d/,
    );
  });
});

describe('every resource kind', () => {
  it('has a `gantry get` table (a kind the server knows is never "unknown" to the CLI)', async () => {
    const { KIND_NAMES } = await import('../control-plane/resources/registry.js');
    for (const kind of KIND_NAMES) expect(resolveKind(kind).kind).toBe(kind);
  });

  it('lists MCP servers with their transport, upstream and price', () => {
    const out = table('mcpservers', [
      { kind: 'McpServer', metadata: meta('demo'), spec: { command: 'node', args: ['examples/mcp/demo-server.mjs'], pricing: { perCall: '0.001' } } },
      { kind: 'McpServer', metadata: meta('github'), spec: { url: 'https://mcp.example.com/mcp' } },
    ]);
    expect(out.split('\n')).toEqual([
      expect.stringMatching(/^NAME\s+TRANSPORT\s+UPSTREAM\s+PER-CALL\s+AGE$/),
      expect.stringMatching(/^demo\s+stdio\s+node examples\/mcp\/demo-server\.mjs\s+\$0\.001\s+1d$/),
      expect.stringMatching(/^github\s+http\s+https:\/\/mcp\.example\.com\/mcp\s+free\s+1d$/),
      '',
    ]);
  });
});
