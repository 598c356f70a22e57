import { describe, expect, it } from 'vitest';
import { parseUsdToMicros } from '../../kernel/money.js';
import { CATALOGUE, CATALOGUE_VERSION, catalogueEntry } from './catalogue.js';

describe('bundled price catalogue', () => {
  it('is versioned, and every price is a valid USD amount with chat models priced for output', () => {
    expect(CATALOGUE_VERSION).toMatch(/^catalogue@\d{4}-\d{2}-\d{2}$/);
    for (const [model, e] of Object.entries(CATALOGUE)) {
      for (const v of [e.inputPer1M, e.outputPer1M, e.cachedInputPer1M, e.cacheWritePer1M]) if (v !== undefined) expect(parseUsdToMicros(v), model).toBeDefined();
      if (!model.startsWith('text-embedding')) expect(e.outputPer1M, model).toBeDefined();
      if (e.maxOutputTokens !== undefined && e.contextWindow !== undefined) expect(e.maxOutputTokens, model).toBeLessThanOrEqual(e.contextWindow);
    }
  });

  it('lists the common hosted models', () => {
    for (const m of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o3', 'o4-mini', 'text-embedding-3-small', 'text-embedding-3-large', 'claude-opus-4', 'claude-sonnet-4', 'claude-3-5-haiku']) {
      expect(catalogueEntry(m), m).toBeDefined();
    }
  });

  it('matches dated snapshot ids to their base model, but an exact entry first', () => {
    expect(catalogueEntry('gpt-4o-2024-08-06')).toBe(CATALOGUE['gpt-4o']);
    expect(catalogueEntry('claude-sonnet-4-20250514')).toBe(CATALOGUE['claude-sonnet-4']);
    expect(catalogueEntry('claude-3-5-haiku-latest')).toBe(CATALOGUE['claude-3-5-haiku']);
    expect(catalogueEntry('gpt-4o-2024-05-13')?.inputPer1M).toBe('5.00');
    expect(catalogueEntry('gpt-4o-mini-2024-07-18')).toBe(CATALOGUE['gpt-4o-mini']);
  });

  it('does not guess: unknown ids, other suffixes and prototype names are not priced', () => {
    for (const id of ['llama-3-70b', 'gpt-4o-audio-preview', 'gpt-4o-2024', 'my-gpt-4o', 'toString', '__proto__', 'constructor-20250101']) expect(catalogueEntry(id), id).toBeUndefined();
  });
});
