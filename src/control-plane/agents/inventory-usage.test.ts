import { describe, expect, it } from 'vitest';
import type { UsageRow } from '../../storage/ports/ledger-store.js';
import { errorRate, foldAgentUsage, newestBucket } from './inventory-usage.js';

const sums = (requests: number, errors: number, costMicros: number) => ({
  requests,
  errors,
  costMicros,
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  outputTokens: 0,
  savingsMicros: 0,
  cacheHits: 0,
});
const row = (team: string, agent: string | null, model: string, provider: string | null, s: ReturnType<typeof sums>): UsageRow => ({ dims: { team, agent, model, provider }, ...s });

describe('agent usage folding', () => {
  it('splits models from tools by the mcp: provider, merges a model across providers, skips rows without an agent', () => {
    const usage = foldAgentUsage([
      row('team-a', 'bot', 'sim-small', 'simulator', sums(10, 1, 500)),
      row('team-a', 'bot', 'sim-small', 'fallback', sums(2, 0, 100)),
      row('team-a', 'bot', 'sim-large', 'simulator', sums(1, 1, 900)),
      row('team-b', 'bot', 'demo__echo', 'mcp:demo', sums(5, 2, 50)),
      row('team-a', null, 'sim-small', 'simulator', sums(99, 0, 9999)),
    ]);
    expect([...usage.keys()]).toEqual(['bot']);
    const bot = usage.get('bot');
    expect(bot).toMatchObject({ teams: ['team-a', 'team-b'], requests: 18, errors: 4, costMicros: 1550 });
    expect(bot?.models).toEqual([
      { name: 'sim-large', requests: 1, errors: 1, costMicros: 900 },
      { name: 'sim-small', requests: 12, errors: 1, costMicros: 600 },
    ]);
    expect(bot?.tools).toEqual([{ name: 'demo__echo', server: 'demo', requests: 5, errors: 2, costMicros: 50 }]);
  });

  it('finds the newest bucket per agent and rounds the error rate', () => {
    const rows: UsageRow[] = [
      { dims: { agent: 'a', hour: 3_600_000 }, ...sums(1, 0, 0) },
      { dims: { agent: 'a', hour: 7_200_000 }, ...sums(1, 0, 0) },
      { dims: { agent: 'b', hour: 3_600_000 }, ...sums(1, 0, 0) },
    ];
    expect(newestBucket(rows, 'hour')).toEqual(new Map([['a', 7_200_000], ['b', 3_600_000]]));
    expect(errorRate(1, 3)).toBe(0.3333);
    expect(errorRate(0, 0)).toBe(0);
  });
});
