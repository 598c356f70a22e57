import { describe, expect, it } from 'vitest';
import { describeSemanticIndexContract } from '../contract/semantic-index.contract.js';
import { createMemorySemanticIndex, createVectorTable, unitVector } from './semantic-index.js';

describeSemanticIndexContract('memory', () => {
  const shared = createMemorySemanticIndex();
  return { open: () => shared };
});

const unit = (...xs: number[]) => unitVector(Float32Array.from(xs)) as Float32Array;

describe('memory semantic index bounds', () => {
  it('keeps at most maxPerIndex entries per index, dropping the oldest', async () => {
    const idx = createMemorySemanticIndex({ maxPerIndex: 2 });
    await idx.add('i', Float32Array.from([1, 0]), 'first', 10_000);
    await idx.add('i', Float32Array.from([0, 1]), 'second', 10_000);
    await idx.add('i', Float32Array.from([-1, 0]), 'third', 10_000);
    expect(await idx.search('i', Float32Array.from([1, 0]), 0.9, 0)).toBeUndefined();
    expect((await idx.search('i', Float32Array.from([0, 1]), 0.9, 0))?.key).toBe('second');
    expect((await idx.search('i', Float32Array.from([-1, 0]), 0.9, 0))?.key).toBe('third');
  });

  it('over maxBytes, the least recently used index loses its entries first and is reported dropped', () => {
    const dropped: string[] = [];
    // One 2-d entry with a one-letter key counts 8 + 2 + 64 = 74 bytes: room for three.
    const table = createVectorTable({ maxBytes: 3 * 74 }, (index) => dropped.push(index));
    table.insert('old', unit(1, 0), 'a', 10_000);
    table.insert('new', unit(1, 0), 'b', 10_000);
    table.insert('old', unit(0, 1), 'c', 10_000);
    expect(table.search('new', unit(1, 0), 0.9, 0)?.key).toBe('b'); // 'new' is now the most recently used
    table.insert('new', unit(-1, 0), 'd', 10_000);
    expect(table.bytes).toBeLessThanOrEqual(3 * 74);
    expect(table.search('old', unit(1, 0), 0.9, 0)).toBeUndefined(); // its oldest went first
    expect(table.search('old', unit(0, 1), 0.9, 0)?.key).toBe('c');
    table.insert('new', unit(0, -1), 'e', 10_000);
    expect(dropped).toEqual(['old']);
    expect(table.has('old')).toBe(false);
    expect(table.search('new', unit(1, 0), 0.9, 0)?.key).toBe('b');
  });

  it('frees the bytes of expired entries when a search passes over them', () => {
    const table = createVectorTable();
    table.insert('i', unit(1, 0), 'a', 100);
    table.insert('i', unit(0, 1), 'b', 200);
    const full = table.bytes;
    expect(table.search('i', unit(1, 0), 0.5, 150)).toBeUndefined();
    expect(table.bytes).toBe(full / 2);
    expect(table.search('i', unit(0, 1), 0.5, 150)?.key).toBe('b');
  });

  it('ignores stored vectors of another dimension (an embedding model changed its size)', async () => {
    const idx = createMemorySemanticIndex();
    await idx.add('i', Float32Array.from([1, 0, 0]), 'three', 10_000);
    expect(await idx.search('i', Float32Array.from([1, 0]), 0.5, 0)).toBeUndefined();
  });
});

describe('memory semantic index: indexes whose entries all expired', () => {
  it('are forgotten when a search finds nothing live (one index per conversation context must not pile up)', () => {
    const dropped: string[] = [];
    const table = createVectorTable({}, (index) => dropped.push(index));
    for (let i = 0; i < 1_000; i++) table.insert(`ctx-${i}`, unit(1, 0), `k${i}`, 1_000);
    for (let i = 0; i < 1_000; i++) expect(table.search(`ctx-${i}`, unit(1, 0), 0.9, 1_000)).toBeUndefined();
    expect(table.has('ctx-0')).toBe(false);
    expect(table.has('ctx-999')).toBe(false);
    expect(table.bytes).toBe(0);
    // The Redis mirror forgets its sync position with them (the next search reads the list afresh).
    expect(dropped).toHaveLength(1_000);
    // An index with a live entry left stays.
    table.insert('mixed', unit(1, 0), 'old', 1_000);
    table.insert('mixed', unit(0, 1), 'new', 5_000);
    expect(table.search('mixed', unit(0, 1), 0.9, 1_000)?.key).toBe('new');
    expect(table.has('mixed')).toBe(true);
  });
});
