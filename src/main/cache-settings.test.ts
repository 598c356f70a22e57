import { describe, expect, it } from 'vitest';
import { readCacheSettings } from './cache-settings.js';

const single = { clustered: false };

describe('readCacheSettings', () => {
  it('defaults: memory for one process, sqlite for --workers, redis when GANTRY_REDIS_URL is set', () => {
    expect(readCacheSettings({}, single)).toEqual({ kind: 'memory', redisUrl: undefined, redisPrefix: 'gantry:', maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 });
    expect(readCacheSettings({}, { clustered: true }).kind).toBe('sqlite');
    expect(readCacheSettings({ GANTRY_REDIS_URL: 'redis://127.0.0.1:6379' }, { clustered: true })).toMatchObject({ kind: 'redis', redisUrl: 'redis://127.0.0.1:6379' });
  });

  it('GANTRY_CACHE chooses, and the LRU bounds are read', () => {
    expect(readCacheSettings({ GANTRY_CACHE: 'sqlite', GANTRY_REDIS_URL: 'redis://h:1' }, single).kind).toBe('sqlite');
    expect(readCacheSettings({ GANTRY_CACHE_MAX_ENTRIES: '50', GANTRY_CACHE_MAX_BYTES: '2048', GANTRY_REDIS_PREFIX: 'acme:' }, single)).toMatchObject({
      maxEntries: 50,
      maxBytes: 2048,
      redisPrefix: 'acme:',
    });
  });

  it('refuses what cannot work, saying what to set', () => {
    expect(() => readCacheSettings({ GANTRY_CACHE: 'disk' }, single)).toThrow('GANTRY_CACHE must be memory, sqlite or redis; got "disk"');
    expect(() => readCacheSettings({ GANTRY_CACHE: 'redis' }, single)).toThrow('GANTRY_CACHE=redis needs GANTRY_REDIS_URL');
    expect(() => readCacheSettings({ GANTRY_CACHE_MAX_ENTRIES: '0' }, single)).toThrow('GANTRY_CACHE_MAX_ENTRIES must be an integer');
    expect(() => readCacheSettings({ GANTRY_REDIS_URL: 'http://x' }, single)).toThrow('redis:// or rediss://');
  });
});
