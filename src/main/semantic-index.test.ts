import { describe, expect, it } from 'vitest';
import { readCacheSettings } from './cache-settings.js';
import { openSemanticIndex } from './semantic-index.js';

describe('semantic index wiring', () => {
  it('keeps vectors in this process unless the cache store is Redis, where replicas share them', async () => {
    const memory = await openSemanticIndex(readCacheSettings({}, { clustered: false }), {});
    const workers = await openSemanticIndex(readCacheSettings({}, { clustered: true }), {});
    // Connects lazily: opening it needs no server (a gateway without semantic models never connects).
    const redis = await openSemanticIndex(readCacheSettings({ GANTRY_REDIS_URL: 'redis://127.0.0.1:1' }, { clustered: false }), {});
    expect([memory.kind, workers.kind, redis.kind]).toEqual(['memory', 'memory', 'redis']);
    await Promise.all([memory.close(), workers.close(), redis.close()]);
  });

  it('refuses bounds out of range, naming the variable', async () => {
    await expect(openSemanticIndex(readCacheSettings({}, { clustered: false }), { GANTRY_SEMANTIC_MAX_PER_INDEX: '0' })).rejects.toThrow(/GANTRY_SEMANTIC_MAX_PER_INDEX/);
  });
});
