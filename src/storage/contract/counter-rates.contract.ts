import { describe, expect, it } from 'vitest';
import type { CounterStore, RateCheck } from '../ports/counter-store.js';
import { admitReq, completeReq, WINDOW, windowStart } from './counter-harness.js';

type Backends = () => Promise<{ open(owner: string): Promise<CounterStore> }>;

const rpm = (limit: number, amount = 1, key = 'rl:team:rpm'): RateCheck => ({ key, limit, windowMs: WINDOW, amount });

/** Sliding-window rate limits (two fixed windows, the previous one weighted by its overlap). */
export function describeCounterRates(backend: Backends): void {
  describe('rates', () => {
    it('admits up to the limit in a window, then refuses with retry-after and the state of every check', async () => {
      const store = await (await backend()).open('a');
      const t = windowStart();
      const rates = [rpm(3), rpm(1_000, 1, 'rl:other:rpm')];
      expect(await store.admit(admitReq('r1', t, { rates }))).toEqual({
        ok: true,
        grantedMicros: 0,
        rates: [
          { key: 'rl:team:rpm', limit: 3, remaining: 2, resetMs: 0 },
          { key: 'rl:other:rpm', limit: 1_000, remaining: 999, resetMs: 0 },
        ],
      });
      await store.admit(admitReq('r2', t + 10, { rates }));
      // The third fills the window: remaining 0; room for one more a third into the next window (3 × 2/3 = 2).
      expect(await store.admit(admitReq('r3', t + 20, { rates }))).toMatchObject({
        ok: true,
        rates: [{ remaining: 0, resetMs: WINDOW - 20 + WINDOW / 3 }, { remaining: 997 }],
      });
      expect(await store.admit(admitReq('r4', t + 30_000, { rates }))).toEqual({
        ok: false,
        reason: 'rate',
        key: 'rl:team:rpm',
        limit: 3,
        // Next window: 3 × (W − e)/W rounded up must be ≤ 2, so e ≥ W/3.
        retryAfterMs: 30_000 + 20_000,
        rates: [
          { key: 'rl:team:rpm', limit: 3, remaining: 0, resetMs: 50_000 },
          { key: 'rl:other:rpm', limit: 1_000, remaining: 997, resetMs: 0 },
        ],
      });
    });

    it('weights the previous window by its overlap with the sliding window', async () => {
      const store = await (await backend()).open('a');
      const t = windowStart();
      for (let i = 0; i < 4; i++) expect(await store.admit(admitReq(`p${i}`, t + i, { rates: [rpm(4)] }))).toMatchObject({ ok: true });
      const half = t + WINDOW + WINDOW / 2;
      // Half way through the next window the 4 count as ceil(4 × 0.5) = 2: two more fit.
      expect(await store.admit(admitReq('c1', half, { rates: [rpm(4)] }))).toMatchObject({ ok: true, rates: [{ remaining: 1 }] });
      expect(await store.admit(admitReq('c2', half, { rates: [rpm(4)] }))).toMatchObject({ ok: true, rates: [{ remaining: 0, resetMs: WINDOW / 4 }] });
      expect(await store.admit(admitReq('c3', half, { rates: [rpm(4)] }))).toMatchObject({ ok: false, reason: 'rate', retryAfterMs: WINDOW / 4 });
      expect(await store.admit(admitReq('c4', half + WINDOW / 4 - 1, { rates: [rpm(4)] }))).toMatchObject({ ok: false, retryAfterMs: 1 });
      expect(await store.admit(admitReq('c5', half + WINDOW / 4, { rates: [rpm(4)] }))).toMatchObject({ ok: true, rates: [{ remaining: 0 }] });
      // Two windows later nothing of the old counts is left.
      expect(await store.admit(admitReq('c6', t + 3 * WINDOW, { rates: [rpm(4)] }))).toMatchObject({ ok: true, rates: [{ remaining: 3 }] });
    });

    it('amount 0 never refuses; an amount above the limit waits a whole window; the longest wait names the refusal', async () => {
      const store = await (await backend()).open('a');
      const t = windowStart();
      const tpm = (amount: number) => rpm(100, amount, 'rl:team:tpm');
      expect(await store.admit(admitReq('big', t, { rates: [tpm(100)] }))).toMatchObject({ ok: true, rates: [{ remaining: 0 }] });
      expect(await store.admit(admitReq('zero', t, { rates: [tpm(0)] }))).toMatchObject({ ok: true, rates: [{ remaining: 0 }] });
      expect(await store.admit(admitReq('huge', t, { rates: [rpm(10), rpm(50, 60, 'rl:x:tpm')] }))).toMatchObject({
        ok: false,
        key: 'rl:x:tpm',
        retryAfterMs: WINDOW,
      });
      // rl:y: 250 in the previous window, weighted 125 half way through this one: 100 more fit after 6 s.
      await store.complete(completeReq('prev', t - WINDOW, { rateAdds: [{ key: 'rl:y:tpm', windowMs: WINDOW, amount: 250 }] }));
      // rl:team:tpm: 100 of 100 used in this window; 1 more fits once the next window weighs them ≤ 99.
      const both = await store.admit(admitReq('two', t + WINDOW / 2, { rates: [rpm(200, 100, 'rl:y:tpm'), tpm(1)] }));
      expect(both).toMatchObject({ ok: false, key: 'rl:team:tpm', retryAfterMs: WINDOW / 2 + WINDOW - Math.floor((99 * WINDOW) / 100) });
      if (!both.ok && both.reason === 'rate') expect(both.rates).toEqual([
        { key: 'rl:y:tpm', limit: 200, remaining: 75, resetMs: 0 },
        { key: 'rl:team:tpm', limit: 100, remaining: 0, resetMs: WINDOW / 2 + WINDOW - Math.floor((99 * WINDOW) / 100) },
      ]);
      expect(await store.admit(admitReq('y-alone', t + WINDOW / 2, { rates: [rpm(200, 100, 'rl:y:tpm')] }))).toMatchObject({ ok: false, retryAfterMs: 6_000 });
      // The refusals added nothing to rl:y.
      expect(await store.admit(admitReq('y', t + WINDOW / 2, { rates: [rpm(200, 0, 'rl:y:tpm')] }))).toMatchObject({ rates: [{ remaining: 75 }] });
    });

    it('rate additions at completion count unconditionally, even past the limit', async () => {
      const store = await (await backend()).open('a');
      const t = windowStart();
      const tpm = rpm(1_000, 1, 'rl:t:tpm');
      await store.admit(admitReq('r1', t, { rates: [tpm] }));
      await store.complete(completeReq('r1', t + 5, { rateAdds: [{ key: 'rl:t:tpm', windowMs: WINDOW, amount: 1_500 }] }));
      const r = await store.admit(admitReq('r2', t + 6, { rates: [tpm] }));
      expect(r).toMatchObject({ ok: false, reason: 'rate', rates: [{ remaining: 0 }] });
      if (!r.ok && r.reason === 'rate') expect(r.retryAfterMs).toBeGreaterThan(WINDOW);
    });

    it('keeps separate windows for the same key with different window lengths', async () => {
      const store = await (await backend()).open('a');
      const t = windowStart();
      await store.admit(admitReq('m', t, { rates: [{ key: 'k', limit: 1, windowMs: WINDOW, amount: 1 }] }));
      expect(await store.admit(admitReq('s', t, { rates: [{ key: 'k', limit: 1, windowMs: 1_000, amount: 1 }] }))).toMatchObject({ ok: true });
    });
  });
}
