import { describe, expect, it } from 'vitest';
import { formatTable } from './output.js';
import { resolveKind } from './resource-kinds.js';

describe('gantry get routes', () => {
  it('lists rules, complexity tiers, split, default and baseline', () => {
    const info = resolveKind('route');
    expect(info.kind).toBe('Route');
    const meta = (name: string) => ({ name, createdAt: '2026-11-01T00:00:00Z' });
    const rows = [
      { metadata: meta('auto'), spec: { rules: [{}, {}], complexity: { threshold: 0.6, simple: 'sim-small', complex: 'sim-large' } } },
      { metadata: meta('canary'), spec: { split: [{ model: 'chat-v1', weight: 90 }, { model: 'chat-v2', weight: 10 }], default: 'chat-v1', baseline: 'chat-v2' } },
    ];
    const out = formatTable(
      info.columns.map((c) => c.header),
      rows.map((r) => info.columns.map((c) => c.value(r, Date.parse('2026-11-02T00:00:00Z')))),
    );
    expect(out.split('\n')[0]).toMatch(/^NAME\s+RULES\s+COMPLEXITY\s+SPLIT\s+DEFAULT\s+BASELINE\s+AGE$/);
    expect(out).toMatch(/auto\s+2\s+sim-small<0\.6<=sim-large\s+-\s+-\s+sim-large\s+1d/);
    expect(out).toMatch(/canary\s+0\s+-\s+chat-v1:90,chat-v2:10\s+chat-v1\s+chat-v2\s+1d/);
  });
});
