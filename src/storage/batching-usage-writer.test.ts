import { describe, expect, it } from 'vitest';
import { usageEvent } from './contract/ledger-store.contract.js';
import { createBatchingUsageWriter } from './batching-usage-writer.js';
import { createMemoryLedgerStore } from './memory/ledger-store.js';
import type { LedgerStore } from './ports/ledger-store.js';
import type { UsageOutbox } from './usage-outbox.js';

describe('batching usage writer', () => {
  it('writes recorded events in batches, not per event', async () => {
    const ledger = createMemoryLedgerStore();
    const batches: number[] = [];
    const counting: LedgerStore = { ...ledger, appendBatch: async (b) => { batches.push(b.length); await ledger.appendBatch(b); } };
    const writer = createBatchingUsageWriter({ ledger: counting, flushIntervalMs: 10_000 });
    for (let i = 0; i < 50; i++) writer.record(usageEvent({ requestId: `r${i}` }));
    expect(batches).toEqual([]);
    await writer.close();
    expect(batches).toEqual([50]);
    expect((await ledger.totals()).events).toBe(50);
  });

  it('keeps events when the store fails and writes them on a later flush', async () => {
    const ledger = createMemoryLedgerStore();
    let failures = 2;
    const errors: number[] = [];
    const flaky: LedgerStore = {
      ...ledger,
      appendBatch: async (b) => {
        if (failures-- > 0) throw new Error('database is locked');
        await ledger.appendBatch(b);
      },
    };
    const writer = createBatchingUsageWriter({ ledger: flaky, flushIntervalMs: 10_000, onError: (_e, n) => errors.push(n) });
    writer.record(usageEvent({ requestId: 'a' }));
    await expect(writer.flush()).rejects.toThrow('locked');
    writer.record(usageEvent({ requestId: 'b' }));
    await writer.close();
    expect(errors.length).toBe(2);
    expect((await ledger.totals()).events).toBe(2);
    expect(writer.pending()).toBe(0);
  });

  it('flushes early when the batch is full', async () => {
    const ledger = createMemoryLedgerStore();
    const writer = createBatchingUsageWriter({ ledger, flushIntervalMs: 10_000, maxBatch: 3 });
    for (let i = 0; i < 3; i++) writer.record(usageEvent({ requestId: `r${i}` }));
    await new Promise((r) => setImmediate(r));
    expect((await ledger.totals()).events).toBe(3);
    await writer.close();
  });

  it('a full disk under the outbox loses no event and is reported once, not once per request', async () => {
    const ledger = createMemoryLedgerStore();
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const outbox: UsageOutbox = {
      append: () => {
        throw full;
      },
      rotate: () => [],
      remove: () => undefined,
      replay: async () => 0,
      close: () => undefined,
    };
    const reported: unknown[] = [];
    const writer = createBatchingUsageWriter({ ledger, flushIntervalMs: 60_000, outbox, onOutboxError: (err) => reported.push(err) });
    for (let i = 0; i < 500; i++) writer.record(usageEvent({ requestId: `d${i}` }));
    await writer.close();
    expect((await ledger.totals()).events).toBe(500);
    expect(reported).toEqual([full]);
  });

  it('writes a backlog left by a ledger outage in bounded transactions, keeping what is not committed yet', async () => {
    const ledger = createMemoryLedgerStore();
    const batches: number[] = [];
    let failing = true;
    let failAfter = Number.POSITIVE_INFINITY;
    const flaky: LedgerStore = {
      ...ledger,
      appendBatch: async (b) => {
        if (failing || failAfter-- <= 0) throw new Error('connection refused');
        batches.push(b.length);
        await ledger.appendBatch(b);
      },
    };
    const writer = createBatchingUsageWriter({ ledger: flaky, flushIntervalMs: 60_000, maxBatch: 100 });
    for (let i = 0; i < 450; i++) writer.record(usageEvent({ requestId: `o${i}` })); // the early flush fails
    await expect(writer.flush()).rejects.toThrow('refused');
    expect(writer.pending()).toBe(450);
    failing = false;
    failAfter = 2; // the third transaction fails: the first two stay committed, the rest is kept
    await expect(writer.flush()).rejects.toThrow('refused');
    expect(writer.pending()).toBe(250);
    failAfter = Number.POSITIVE_INFINITY;
    await writer.close();
    expect(batches).toEqual([100, 100, 100, 100, 50]);
    expect((await ledger.totals()).events).toBe(450);
  });
});
