import { describe, expect, it } from 'vitest';
import type { BudgetHold } from '../ports/counter-store.js';
import { admitReq, completeReq, DAY, hardHold, type MakeCounterBackend, softHold, useCounterBackends, WINDOW, windowStart } from './counter-harness.js';
import { describeCounterInvariant } from './counter-invariant.contract.js';
import { describeCounterRates } from './counter-rates.contract.js';

export type { CounterBackend, MakeCounterBackend } from './counter-harness.js';

/** The behaviour every CounterStore adapter must have (src/storage/ports/counter-store.ts). */
export function describeCounterStoreContract(name: string, make: MakeCounterBackend): void {
  describe(`CounterStore contract: ${name}`, () => {
    const backend = useCounterBackends(make);

    describe('budgets', () => {
      it('grants the maximum while it fits, then what is left, then refuses naming the tightest hard budget', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const team = hardHold('budget:team', 1_000, t);
        const key = hardHold('budget:key', 700, t);
        const ok = await store.admit(admitReq('r1', t, { holds: [team, key], minMicros: 100, maxMicros: 400 }));
        expect(ok).toEqual({ ok: true, grantedMicros: 400, rates: [] });
        const partial = await store.admit(admitReq('r2', t, { holds: [team, key], minMicros: 100, maxMicros: 400 }));
        expect(partial).toEqual({ ok: true, grantedMicros: 300, rates: [] });
        const refused = await store.admit(admitReq('r3', t, { holds: [team, key], minMicros: 1, maxMicros: 400 }));
        expect(refused).toEqual({ ok: false, reason: 'budget', key: 'budget:key', availableMicros: 0 });
        expect(await store.levels(['budget:team', 'budget:key'])).toEqual(
          new Map([
            ['budget:team', { committedMicros: 0, reservedMicros: 700 }],
            ['budget:key', { committedMicros: 0, reservedMicros: 700 }],
          ]),
        );
        expect(await store.openReservations()).toBe(2);
      });

      it('refuses when the headroom is below the minimum and reports the headroom (never negative)', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const hold = hardHold('budget:b', 1_000, t);
        await store.admit(admitReq('r1', t, { holds: [hold], minMicros: 100, maxMicros: 900 }));
        expect(await store.admit(admitReq('r2', t, { holds: [hold], minMicros: 101, maxMicros: 900 }))).toEqual({
          ok: false,
          reason: 'budget',
          key: 'budget:b',
          availableMicros: 100,
        });
        // Settled above its grant (an upstream that ignored max_tokens): the budget is overspent.
        await store.complete(completeReq('r1', t, { actualMicros: 1_200, holds: [hold], grantedMicros: 900 }));
        expect(await store.admit(admitReq('r3', t, { holds: [hold], minMicros: 1, maxMicros: 10 }))).toEqual({
          ok: false,
          reason: 'budget',
          key: 'budget:b',
          availableMicros: 0,
        });
      });

      it('soft budgets never refuse but carry the reservation; no holds means no grant and no state', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const soft = softHold('budget:soft', t);
        await store.seed('budget:soft', 5_000_000, t + DAY);
        expect(await store.admit(admitReq('r1', t, { holds: [soft], minMicros: 50, maxMicros: 80 }))).toEqual({ ok: true, grantedMicros: 80, rates: [] });
        const mixed = await store.admit(admitReq('r2', t, { holds: [soft, hardHold('budget:hard', 60, t)], minMicros: 50, maxMicros: 80 }));
        expect(mixed).toEqual({ ok: true, grantedMicros: 60, rates: [] });
        expect((await store.levels(['budget:soft'])).get('budget:soft')).toEqual({ committedMicros: 5_000_000, reservedMicros: 140 });
        expect(await store.admit(admitReq('r3', t, { minMicros: 10, maxMicros: 80 }))).toEqual({ ok: true, grantedMicros: 0, rates: [] });
        expect(await store.openReservations()).toBe(2);
      });

      it('complete releases the grant, commits the actual cost on every hold and returns the levels', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const holds = [hardHold('budget:x', 1_000, t), softHold('budget:y', t)];
        await store.admit(admitReq('r1', t, { holds, minMicros: 1, maxMicros: 600 }));
        await store.admit(admitReq('r2', t, { holds, minMicros: 1, maxMicros: 300 }));
        const levels = await store.complete(completeReq('r1', t + 5, { actualMicros: 250, holds, grantedMicros: 600 }));
        expect(levels).toEqual(
          new Map([
            ['budget:x', { committedMicros: 250, reservedMicros: 300 }],
            ['budget:y', { committedMicros: 250, reservedMicros: 300 }],
          ]),
        );
        expect(await store.openReservations()).toBe(1);
        // The released 350 is usable again: headroom 1000 − 250 − 300 = 450.
        expect(await store.admit(admitReq('r3', t, { holds, minMicros: 1, maxMicros: 1_000 }))).toMatchObject({ ok: true, grantedMicros: 450 });
      });

      it('a repeated complete is a no-op (no second release, no second commit)', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const hold = hardHold('budget:d', 1_000, t);
        await store.admit(admitReq('keep', t, { holds: [hold], minMicros: 1, maxMicros: 200 }));
        await store.admit(admitReq('r1', t, { holds: [hold], minMicros: 1, maxMicros: 300 }));
        const req = completeReq('r1', t, { actualMicros: 120, holds: [hold], grantedMicros: 300, rateAdds: [{ key: 'tpm', windowMs: 60_000, amount: 7 }] });
        const first = await store.complete(req);
        const second = await store.complete(req);
        expect(first.get('budget:d')).toEqual({ committedMicros: 120, reservedMicros: 200 });
        expect(second.get('budget:d')).toEqual({ committedMicros: 120, reservedMicros: 200 });
        const rate = await store.admit(admitReq('probe', t, { rates: [{ key: 'tpm', limit: 100, windowMs: 60_000, amount: 0 }] }));
        expect(rate).toMatchObject({ ok: true, rates: [{ key: 'tpm', remaining: 93 }] });
      });

      it('complete of a reservation it never saw (or already reclaimed) still commits the actual cost', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const hold = hardHold('budget:late', 1_000, t);
        const levels = await store.complete(completeReq('ghost', t, { actualMicros: 90, holds: [hold], grantedMicros: 500 }));
        expect(levels.get('budget:late')).toEqual({ committedMicros: 90, reservedMicros: 0 });
      });

      it('rejects a second admit with the id of an open reservation', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const hold = hardHold('budget:dup', 1_000, t);
        await store.admit(admitReq('same', t, { holds: [hold], minMicros: 1, maxMicros: 100 }));
        await expect(store.admit(admitReq('same', t, { holds: [hold], minMicros: 1, maxMicros: 100 }))).rejects.toThrow(/already open/);
        expect((await store.levels(['budget:dup'])).get('budget:dup')).toEqual({ committedMicros: 0, reservedMicros: 100 });
      });
    });

    describe('concurrency slots', () => {
      it('holds at most `limit` in flight and frees a slot on complete', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const slots = [{ key: 'conc', limit: 2 }];
        expect(await store.admit(admitReq('s1', t, { slots }))).toMatchObject({ ok: true });
        expect(await store.admit(admitReq('s2', t, { slots }))).toMatchObject({ ok: true });
        expect(await store.admit(admitReq('s3', t, { slots }))).toEqual({ ok: false, reason: 'concurrency', key: 'conc', limit: 2 });
        await store.complete(completeReq('s1', t, { slots: ['conc'] }));
        await store.complete(completeReq('s1', t, { slots: ['conc'] }));
        expect(await store.admit(admitReq('s4', t, { slots }))).toMatchObject({ ok: true });
        expect(await store.admit(admitReq('s5', t, { slots }))).toMatchObject({ ok: false, reason: 'concurrency' });
      });

      it('a refused admit changes nothing: no rate increment, no slot, no reservation', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        const rates = [{ key: 'rpm', limit: 10, windowMs: 60_000, amount: 1 }];
        const hold = hardHold('budget:atomic', 100, t);
        expect(await store.admit(admitReq('a1', t, { rates, slots: [{ key: 'c', limit: 1 }], holds: [hold], minMicros: 1, maxMicros: 60 }))).toMatchObject({
          ok: true,
          rates: [{ remaining: 9 }],
        });
        // Slot full: refused before the budget; then budget short: refused after rates and slots passed.
        expect(await store.admit(admitReq('a2', t, { rates, slots: [{ key: 'c', limit: 1 }], holds: [hold], minMicros: 1, maxMicros: 60 }))).toMatchObject({
          reason: 'concurrency',
        });
        expect(await store.admit(admitReq('a3', t, { rates, slots: [{ key: 'c2', limit: 1 }], holds: [hold], minMicros: 50, maxMicros: 60 }))).toMatchObject({
          reason: 'budget',
          availableMicros: 40,
        });
        expect(await store.openReservations()).toBe(1);
        expect((await store.levels(['budget:atomic'])).get('budget:atomic')).toEqual({ committedMicros: 0, reservedMicros: 60 });
        // c2 got no slot and rpm no increments from the two refusals.
        expect(await store.admit(admitReq('a4', t, { rates, slots: [{ key: 'c2', limit: 1 }] }))).toMatchObject({ ok: true, rates: [{ remaining: 8 }] });
      });
    });

    describe('liveness and reclaim', () => {
      it("reclaims a crashed process's reservations and slots; its late complete commits but releases nothing", async () => {
        const b = await backend();
        const a = await b.open('host:1:a');
        const other = await b.open('host:2:b');
        const t = windowStart();
        const ttl = 15_000;
        const hold = hardHold('budget:crash', 1_000, t);
        const slots = [{ key: 'conc:crash', limit: 1 }];
        await a.heartbeat(t, ttl);
        await other.heartbeat(t, ttl);
        expect(await a.admit(admitReq('doomed', t, { holds: [hold], slots, minMicros: 1, maxMicros: 800 }))).toMatchObject({ grantedMicros: 800 });
        expect(await other.admit(admitReq('held', t, { holds: [hold], minMicros: 1, maxMicros: 100 }))).toMatchObject({ grantedMicros: 100 });
        expect(await other.admit(admitReq('blocked', t + 1, { slots }))).toMatchObject({ reason: 'concurrency' });

        expect(await other.heartbeat(t + ttl - 1, ttl)).toEqual({ reclaimed: 0 });
        expect(await other.heartbeat(t + ttl + 1, ttl)).toEqual({ reclaimed: 1 });
        expect((await other.levels(['budget:crash'])).get('budget:crash')).toEqual({ committedMicros: 0, reservedMicros: 100 });
        expect(await other.openReservations()).toBe(1);
        expect(await other.admit(admitReq('now-free', t + ttl + 2, { slots }))).toMatchObject({ ok: true });

        const late = await a.complete(completeReq('doomed', t + ttl + 3, { actualMicros: 300, holds: [hold], grantedMicros: 800, slots: ['conc:crash'] }));
        expect(late.get('budget:crash')).toEqual({ committedMicros: 300, reservedMicros: 100 });
        // The slot taken by now-free is still held: the late complete gave back nothing.
        expect(await other.admit(admitReq('still-full', t + ttl + 4, { slots }))).toMatchObject({ reason: 'concurrency' });
      });

      it('a heartbeat with reclaim false renews its owner but reclaims nothing (after an outage every process lapsed)', async () => {
        const b = await backend();
        const a = await b.open('outage:a');
        const back = await b.open('outage:b');
        const t = windowStart();
        const hold = hardHold('budget:outage', 1_000, t);
        await a.heartbeat(t, 1_000);
        await a.admit(admitReq('in-flight', t, { holds: [hold], minMicros: 1, maxMicros: 400 }));
        // The store was unreachable for longer than the TTL: a's liveness lapsed, but a is alive.
        expect(await back.heartbeat(t + 5_000, 1_000, { reclaim: false })).toEqual({ reclaimed: 0 });
        expect(await back.openReservations()).toBe(1);
        await a.heartbeat(t + 5_100, 1_000);
        expect(await back.heartbeat(t + 6_000, 1_000)).toEqual({ reclaimed: 0 });
        expect((await back.levels(['budget:outage'])).get('budget:outage')).toEqual({ committedMicros: 0, reservedMicros: 400 });
      });

      it('keeps the reservations of processes that heartbeat, and reclaims those of a process that never did', async () => {
        const b = await backend();
        const live = await b.open('live');
        const silent = await b.open('silent');
        const watcher = await b.open('watcher');
        const t = windowStart();
        const hold = hardHold('budget:hb', 1_000, t);
        await live.heartbeat(t, 10_000);
        await live.admit(admitReq('l1', t, { holds: [hold], minMicros: 1, maxMicros: 100 }));
        await silent.admit(admitReq('s1', t, { holds: [hold], minMicros: 1, maxMicros: 200 }));
        await silent.admit(admitReq('s2', t, { holds: [hold], minMicros: 1, maxMicros: 300 }));
        expect(await watcher.heartbeat(t + 5_000, 10_000)).toEqual({ reclaimed: 2 });
        expect((await watcher.levels(['budget:hb'])).get('budget:hb')).toEqual({ committedMicros: 0, reservedMicros: 100 });
        await live.heartbeat(t + 9_000, 10_000);
        expect(await watcher.heartbeat(t + 15_000, 10_000)).toEqual({ reclaimed: 0 });
        expect(await watcher.openReservations()).toBe(1);
      });
    });

    describe('seed, levels, expiry, claims', () => {
      it('seeds only a key that does not exist; unknown keys read 0/0', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        expect(await store.seed('budget:s', 4_000, t + DAY)).toBe(true);
        expect(await store.seed('budget:s', 9_999, t + DAY)).toBe(false);
        const hold = hardHold('budget:s', 5_000, t);
        expect(await store.admit(admitReq('r', t, { holds: [hold], minMicros: 1, maxMicros: 5_000 }))).toMatchObject({ grantedMicros: 1_000 });
        expect(await store.seed('budget:s', 1, t + DAY)).toBe(false);
        expect(await store.levels(['budget:s', 'budget:none'])).toEqual(
          new Map([
            ['budget:s', { committedMicros: 4_000, reservedMicros: 1_000 }],
            ['budget:none', { committedMicros: 0, reservedMicros: 0 }],
          ]),
        );
      });

      it('a fromLedger counter is never started at 0 by a request: admit asks for a seed, complete does not create it', async () => {
        const b = await backend();
        const store = await b.open('a');
        const t = windowStart();
        const hold: BudgetHold = { ...hardHold('budget:ledger', 1_000, t), fromLedger: true };
        const rate = { key: 'rl:x:rpm', limit: 10, windowMs: WINDOW, amount: 1 };
        const unseeded = await store.admit(admitReq('r1', t, { holds: [hold, softHold('budget:other', t)], rates: [rate], slots: [{ key: 'c', limit: 1 }], minMicros: 1, maxMicros: 100 }));
        expect(unseeded).toEqual({ ok: false, reason: 'unseeded', key: 'budget:ledger' });
        // Nothing changed: no rate count, no slot, no counter, no reservation.
        expect(await store.openReservations()).toBe(0);
        expect(await store.seed('budget:other', 0, t + DAY)).toBe(true);
        expect(await store.admit(admitReq('probe', t, { rates: [{ ...rate, limit: 1 }], slots: [{ key: 'c', limit: 1 }] }))).toMatchObject({ ok: true });
        // A settlement for a counter that is gone (a Redis that lost its data) leaves it to the next seed.
        await store.complete(completeReq('old', t, { actualMicros: 50, holds: [hold] }));
        expect(await store.seed('budget:ledger', 700, t + DAY)).toBe(true);
        expect(await store.admit(admitReq('r2', t, { holds: [hold], minMicros: 1, maxMicros: 500 }))).toEqual({ ok: true, grantedMicros: 300, rates: [] });
        await store.complete(completeReq('r2', t, { actualMicros: 200, holds: [hold], grantedMicros: 300 }));
        expect((await store.levels(['budget:ledger'])).get('budget:ledger')).toEqual({ committedMicros: 900, reservedMicros: 0 });
      });

      it('a counter past its expiry starts again from zero', async () => {
        const store = await (await backend()).open('a');
        const t = windowStart();
        await store.seed('budget:old', 900, t + 1_000);
        const hold = hardHold('budget:old', 1_000, t + 5_000);
        expect(await store.admit(admitReq('r', t + 5_000, { holds: [hold], minMicros: 1, maxMicros: 1_000 }))).toMatchObject({ ok: true, grantedMicros: 1_000 });
        expect((await store.levels(['budget:old'])).get('budget:old')).toEqual({ committedMicros: 0, reservedMicros: 1_000 });
      });

      it('claimOnce is true for the first caller only, across processes, until it expires', async () => {
        const b = await backend();
        const a = await b.open('a');
        const c = await b.open('c');
        const t = windowStart();
        expect(await a.claimOnce('alert:x:80', t, 10_000)).toBe(true);
        expect(await c.claimOnce('alert:x:80', t + 1, 10_000)).toBe(false);
        expect(await a.claimOnce('alert:x:80', t + 9_999, 10_000)).toBe(false);
        expect(await c.claimOnce('alert:x:100', t, 10_000)).toBe(true);
        expect(await c.claimOnce('alert:x:80', t + 10_001, 10_000)).toBe(true);
        expect(await a.claimOnce('alert:x:80', t + 10_002, 10_000)).toBe(false);
      });

      it('openReservations counts every process', async () => {
        const b = await backend();
        const a = await b.open('a');
        const c = await b.open('c');
        const t = windowStart();
        expect(await a.openReservations()).toBe(0);
        await a.admit(admitReq('a1', t, { slots: [{ key: 'k', limit: 5 }] }));
        await c.admit(admitReq('c1', t, { holds: [softHold('budget:o', t)], minMicros: 0, maxMicros: 5 }));
        await c.admit(admitReq('c2', t, { slots: [{ key: 'k', limit: 5 }] }));
        expect(await a.openReservations()).toBe(3);
        await c.complete(completeReq('c2', t, { slots: ['k'] }));
        expect(await a.openReservations()).toBe(2);
      });
    });

    describeCounterRates(backend);
    describeCounterInvariant(backend);
  });
}
