import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCounterSettings } from './counter-settings.js';
import { openCounterStore } from './counters.js';

const settings = readCounterSettings({}, { clustered: false });

describe('choosing and opening the counter store', () => {
  it('defaults to memory for one process, SQLite for --workers, Redis with GANTRY_REDIS_URL', () => {
    expect(settings.kind).toBe('memory');
    expect(readCounterSettings({}, { clustered: true }).kind).toBe('sqlite');
    expect(readCounterSettings({ GANTRY_REDIS_URL: 'redis://127.0.0.1:6379' }, { clustered: true }).kind).toBe('redis');
    expect(readCounterSettings({ GANTRY_COUNTERS: 'sqlite' }, { clustered: false }).kind).toBe('sqlite');
    expect(() => readCounterSettings({ GANTRY_COUNTERS: 'redis' }, { clustered: false })).toThrow(/GANTRY_COUNTERS=redis needs GANTRY_REDIS_URL/);
    expect(() => readCounterSettings({ GANTRY_COUNTERS: 'etcd' }, { clustered: false })).toThrow(/memory, sqlite or redis/);
  });

  it('refuses a second process counting in memory on the same data directory, and frees it on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-counters-'));
    const first = await openCounterStore(settings, dir, 'a');
    await expect(openCounterStore(settings, dir, 'b')).rejects.toThrow(/counts budgets and rate limits in memory .* GANTRY_COUNTERS=sqlite/);
    // Processes sharing the data directory through SQLite are fine.
    const shared = await openCounterStore({ ...settings, kind: 'sqlite' }, dir, 'c');
    await shared.close();
    await first.close();
    const again = await openCounterStore(settings, dir, 'd');
    await again.close();
  });
});
