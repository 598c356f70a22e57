import { afterAll, describe, expect, it } from 'vitest';
import type { SemanticIndex } from '../ports/semantic-index.js';

/**
 * A backend for the contract: `open()` returns a client of one shared backend (for Redis a new
 * connection each time, standing for another replica); `cleanup` removes what the tests wrote.
 */
export interface SemanticBackend {
  open(): SemanticIndex;
  cleanup?(): Promise<void>;
}

const v = (...xs: number[]) => Float32Array.from(xs);
/** Cosine of two 2-d directions at `degrees` apart is cos(degrees). */
const at = (degrees: number, scale = 1) => v(scale * Math.cos((degrees * Math.PI) / 180), scale * Math.sin((degrees * Math.PI) / 180), 0, 0);

/** The behaviour every SemanticIndex adapter must have (src/storage/ports/semantic-index.ts). */
export function describeSemanticIndexContract(name: string, make: () => SemanticBackend): void {
  describe(`SemanticIndex contract: ${name}`, () => {
    const backend = make();
    const opened: SemanticIndex[] = [];
    const open = () => {
      const index = backend.open();
      opened.push(index);
      return index;
    };
    afterAll(async () => {
      for (const index of new Set(opened)) await index.close();
      await backend.cleanup?.();
    });
    // Absolute expiry times (Redis expires its keys by them): an hour ahead of the real clock.
    const now = Date.now();
    const later = now + 3_600_000;
    let n = 0;
    const fresh = (label: string) => `${label}-${++n}`;

    it('returns the most similar entry at or above the threshold, with its cosine', async () => {
      const idx = open();
      const i = fresh('best');
      await idx.add(i, at(0), 'k0', later);
      await idx.add(i, at(10), 'k10', later);
      await idx.add(i, at(60), 'k60', later);
      const hit = await idx.search(i, at(8), 0.9, now);
      expect(hit?.key).toBe('k10');
      expect(hit?.score).toBeCloseTo(Math.cos((2 * Math.PI) / 180), 5);
      expect((await idx.search(i, at(55), 0.9, now))?.key).toBe('k60');
    });

    it('compares directions, not lengths (vectors are normalised), and matches an identical vector at threshold 1', async () => {
      const idx = open();
      const i = fresh('norm');
      await idx.add(i, at(30, 7), 'k', later);
      const hit = await idx.search(i, at(30, 0.01), 1, now);
      expect(hit?.key).toBe('k');
      expect(hit?.score).toBeCloseTo(1, 5);
    });

    it('returns nothing below the threshold, for a zero vector, or for an unknown index', async () => {
      const idx = open();
      const i = fresh('below');
      await idx.add(i, at(0), 'k0', later);
      expect(await idx.search(i, at(30), 0.9, now)).toBeUndefined(); // cos 30° ≈ 0.866
      expect(await idx.search(i, at(90), 0.5, now)).toBeUndefined();
      expect(await idx.search(i, v(0, 0, 0, 0), 0.5, now)).toBeUndefined();
      expect(await idx.search(fresh('nothing'), at(0), 0.5, now)).toBeUndefined();
      expect((await idx.search(i, at(30), 0.85, now))?.key).toBe('k0');
    });

    it('never returns an entry at or past its expiry', async () => {
      const idx = open();
      const i = fresh('expiry');
      await idx.add(i, at(0), 'short', now + 60_000);
      await idx.add(i, at(20), 'long', later);
      expect((await idx.search(i, at(0), 0.99, now))?.key).toBe('short');
      expect(await idx.search(i, at(0), 0.99, now + 60_000)).toBeUndefined();
      // The expired one is gone; the live one still answers.
      expect((await idx.search(i, at(0), 0.9, now + 60_000))?.key).toBe('long');
    });

    it('keeps indexes apart: a vector added to one is never found in another', async () => {
      const idx = open();
      const a = fresh('team:a|sim-small|sim-embed');
      const b = fresh('team:b|sim-small|sim-embed');
      await idx.add(a, at(0), 'answer-a', later);
      expect(await idx.search(b, at(0), 0.5, now)).toBeUndefined();
      await idx.add(b, at(0), 'answer-b', later);
      expect((await idx.search(a, at(0), 0.5, now))?.key).toBe('answer-a');
      expect((await idx.search(b, at(0), 0.5, now))?.key).toBe('answer-b');
    });

    it('keys may contain any character', async () => {
      const idx = open();
      const i = fresh('chars');
      const key = 'team:a b|c:sim-small:é|0123';
      await idx.add(i, at(0), key, later);
      expect((await idx.search(i, at(0), 0.9, now))?.key).toBe(key);
    });

    it('two clients of one backend see each other’s entries, including ones added after a first search', async () => {
      const one = open();
      const two = open();
      const i = fresh('shared');
      await one.add(i, at(0), 'from-one', later);
      expect((await two.search(i, at(0), 0.99, now))?.key).toBe('from-one');
      await two.add(i, at(90), 'from-two', later);
      expect((await one.search(i, at(90), 0.99, now))?.key).toBe('from-two');
      expect((await two.search(i, at(90), 0.99, now))?.key).toBe('from-two');
      expect((await two.search(i, at(0), 0.99, now))?.key).toBe('from-one');
    });

    it('the same key added again replaces its entry', async () => {
      const idx = open();
      const i = fresh('replace');
      await idx.add(i, at(0), 'k', now + 60_000);
      await idx.add(i, at(0), 'k', later);
      expect((await idx.search(i, at(0), 0.99, now + 120_000))?.key).toBe('k');
    });
  });
}
