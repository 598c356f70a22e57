import { describe, expect, it } from 'vitest';
import type { DriftObservation, DriftStore } from '../ports/drift-store.js';

const T = Date.UTC(2026, 10, 3, 12);

export function observation(overrides: Partial<DriftObservation> = {}): DriftObservation {
  return { agent: 'helper-bot', team: 'support', kind: 'undeclared_tool', item: 'demo__delete_everything', at: T, count: 1, ...overrides };
}

/** The behaviour every DriftStore adapter must have. */
export function describeDriftStoreContract(name: string, make: () => Promise<DriftStore> | DriftStore): void {
  describe(`DriftStore contract: ${name}`, () => {
    it('upserts per (agent, kind, item, team): counts add up, first seen keeps the earliest, last seen the latest', async () => {
      const store = await make();
      await store.record([observation({ at: T, count: 2 })]);
      await store.record([observation({ at: T + 5_000, firstAt: T + 1_000, count: 3 })]);
      // A late batch (a replica that flushed after) must not move last seen back.
      await store.record([observation({ at: T - 1_000, count: 1 })]);
      expect(await store.list({ since: 0 })).toEqual([
        { agent: 'helper-bot', team: 'support', kind: 'undeclared_tool', item: 'demo__delete_everything', firstSeen: T - 1_000, lastSeen: T + 5_000, count: 6 },
      ]);
    });

    it('keeps the kinds and items of one agent apart, unregistered agents with an empty item', async () => {
      const store = await make();
      await store.record([
        observation({ kind: 'undeclared_tool', item: 'demo__a' }),
        observation({ kind: 'offered_tool', item: 'demo__a' }),
        observation({ kind: 'undeclared_model', item: 'sim-large' }),
        observation({ agent: 'shadow-bot', kind: 'unregistered_agent', item: '' }),
      ]);
      const found = await store.list({ since: 0 });
      expect(found.map((f) => `${f.agent}/${f.kind}/${f.item}`).sort()).toEqual([
        'helper-bot/offered_tool/demo__a',
        'helper-bot/undeclared_model/sim-large',
        'helper-bot/undeclared_tool/demo__a',
        'shadow-bot/unregistered_agent/',
      ]);
    });

    it('merges repeated keys inside one batch', async () => {
      const store = await make();
      await store.record([observation({ at: T + 2, count: 1 }), observation({ at: T, count: 4 }), observation({ at: T + 1, count: 5 })]);
      expect(await store.list({ since: 0 })).toEqual([expect.objectContaining({ team: 'support', firstSeen: T, lastSeen: T + 2, count: 10 })]);
    });

    it('keeps each team its own finding: a team never sees (or moves) the counts of another team', async () => {
      const store = await make();
      // Two teams' keys send the same (client-chosen) unregistered agent name.
      const shadow = { agent: 'shadow-bot', kind: 'unregistered_agent' as const, item: '' };
      await store.record([observation({ ...shadow, team: 'team-a', at: T, count: 5 }), observation({ ...shadow, team: 'team-b', at: T + 10, count: 1 })]);
      await store.record([observation({ ...shadow, team: 'team-a', at: T + 5, count: 2 })]);
      expect(await store.list({ since: 0, teams: ['team-a'] })).toEqual([{ ...shadow, team: 'team-a', firstSeen: T, lastSeen: T + 5, count: 7 }]);
      expect(await store.list({ since: 0, teams: ['team-b'] })).toEqual([{ ...shadow, team: 'team-b', firstSeen: T + 10, lastSeen: T + 10, count: 1 }]);
      expect((await store.list({ since: 0 })).map((f) => f.team)).toEqual(['team-b', 'team-a']);
    });

    it('lists newest first, filtered by last seen, agents and teams, up to the limit', async () => {
      const store = await make();
      await store.record([
        observation({ agent: 'a1', team: 't1', at: T - 10 * 86_400_000 }),
        observation({ agent: 'a2', team: 't1', at: T + 2 }),
        observation({ agent: 'a3', team: 't2', at: T + 3 }),
        observation({ agent: 'a4', team: 't3', at: T + 1 }),
      ]);
      const names = async (q: Parameters<DriftStore['list']>[0]) => (await store.list(q)).map((f) => f.agent);
      expect(await names({ since: T - 86_400_000 })).toEqual(['a3', 'a2', 'a4']);
      expect(await names({ since: 0 })).toEqual(['a3', 'a2', 'a4', 'a1']);
      expect(await names({ since: 0, agents: ['a1', 'a4'] })).toEqual(['a4', 'a1']);
      expect(await names({ since: 0, teams: ['t1', 't3'] })).toEqual(['a2', 'a4', 'a1']);
      expect(await names({ since: 0, teams: ['t1'], agents: ['a2', 'a3'] })).toEqual(['a2']);
      expect(await names({ since: 0, limit: 2 })).toEqual(['a3', 'a2']);
      // An actor who may see no team sees nothing (not everything).
      expect(await names({ since: 0, teams: [] })).toEqual([]);
      expect(await names({ since: 0, agents: [] })).toEqual([]);
    });

    it('orders equal last-seen times by agent, kind, item and team', async () => {
      const store = await make();
      await store.record([
        observation({ agent: 'b', kind: 'undeclared_tool', item: 'x' }),
        observation({ agent: 'a', kind: 'undeclared_tool', item: 'y' }),
        observation({ agent: 'a', kind: 'undeclared_model', item: 'z' }),
        observation({ agent: 'a', kind: 'undeclared_tool', item: 'x', team: 't2' }),
        observation({ agent: 'a', kind: 'undeclared_tool', item: 'x', team: 't1' }),
      ]);
      expect((await store.list({ since: 0 })).map((f) => `${f.agent}/${f.kind}/${f.item}/${f.team}`)).toEqual([
        'a/undeclared_model/z/support',
        'a/undeclared_tool/x/t1',
        'a/undeclared_tool/x/t2',
        'a/undeclared_tool/y/support',
        'b/undeclared_tool/x/support',
      ]);
    });

    it('writes large batches whole', async () => {
      const store = await make();
      const batch = Array.from({ length: 1_234 }, (_, i) => observation({ agent: `agent-${i % 100}`, item: `tool-${i}`, at: T + i, count: i + 1 }));
      await store.record(batch);
      await store.record([]);
      const all = await store.list({ since: 0, limit: 5_000 });
      expect(all).toHaveLength(1_234);
      expect(all.reduce((sum, f) => sum + f.count, 0)).toBe((1_234 * 1_235) / 2);
      expect(all[0]).toEqual(expect.objectContaining({ agent: 'agent-33', item: 'tool-1233', lastSeen: T + 1_233, count: 1_234 }));
    });

    it('keeps names exactly (case, punctuation, non-ASCII)', async () => {
      const store = await make();
      const odd = { agent: 'Bot:One@x/y', team: 'équipe', item: "it's \"quoted\" — ünïcode" };
      await store.record([observation(odd), observation({ ...odd, agent: 'bot:one@x/y' })]);
      const found = await store.list({ since: 0, agents: ['Bot:One@x/y'] });
      expect(found).toEqual([expect.objectContaining({ ...odd, count: 1 })]);
    });
  });
}
