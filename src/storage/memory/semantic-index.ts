import type { SemanticIndex, SemanticMatch } from '../ports/semantic-index.js';

export interface MemorySemanticIndexOptions {
  /** Entries kept per index; the oldest is dropped first. Default 5,000. */
  readonly maxPerIndex?: number;
  /** Vector bytes kept over all indexes; the least recently used index loses its oldest entries first. Default 64 MiB. */
  readonly maxBytes?: number;
}

interface Entry {
  readonly vector: Float32Array;
  readonly key: string;
  readonly expiresAt: number;
}

interface Bucket {
  entries: Entry[];
  /** key → entry: the same prompt stored again replaces its entry instead of doubling it. */
  readonly byKey: Map<string, Entry>;
}

/** Rounding of unit vectors makes a vector's cosine with itself 0.99999994: a threshold of 1 still matches it. */
const EPSILON = 1e-6;

/** The vector scaled to length 1 (a copy), or undefined for a zero vector (it is similar to nothing). */
export function unitVector(v: Float32Array): Float32Array | undefined {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += (v[i] as number) ** 2;
  if (!(norm > 0) || !Number.isFinite(norm)) return undefined;
  const scale = 1 / Math.sqrt(norm);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) * scale;
  return out;
}

/** Four independent sums: about twice as fast as one (the additions no longer wait on each other). */
function dot(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const end = a.length & ~3;
  let i = 0;
  for (; i < end; i += 4) {
    s0 += (a[i] as number) * (b[i] as number);
    s1 += (a[i + 1] as number) * (b[i + 1] as number);
    s2 += (a[i + 2] as number) * (b[i + 2] as number);
    s3 += (a[i + 3] as number) * (b[i + 3] as number);
  }
  for (; i < a.length; i++) s0 += (a[i] as number) * (b[i] as number);
  return s0 + s1 + s2 + s3;
}

const entryBytes = (e: Entry) => e.vector.byteLength + 2 * e.key.length + 64;

/**
 * Vectors held by this process, searched brute force (a few thousand dot products per index take well
 * under a millisecond). Also the local mirror of the Redis adapter, which is why it is synchronous and
 * reports indexes it drops entirely (`onDrop`).
 */
export interface VectorTable {
  /** `query` must be a unit vector. Drops expired entries of the index as it scans. */
  search(index: string, query: Float32Array, threshold: number, now: number): SemanticMatch | undefined;
  /** `vector` must be a unit vector. */
  insert(index: string, vector: Float32Array, key: string, expiresAt: number): void;
  /** Forgets an index entirely. */
  drop(index: string): void;
  has(index: string): boolean;
  readonly bytes: number;
}

export function createVectorTable(options: MemorySemanticIndexOptions = {}, onDrop?: (index: string) => void): VectorTable {
  const maxPerIndex = options.maxPerIndex ?? 5_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  // Map order is recency of use: the first index is the least recently used.
  const buckets = new Map<string, Bucket>();
  let bytes = 0;

  function touch(index: string, bucket: Bucket): void {
    buckets.delete(index);
    buckets.set(index, bucket);
  }

  function removeAt(bucket: Bucket, from: number, count: number): void {
    for (const e of bucket.entries.splice(from, count)) {
      bytes -= entryBytes(e);
      if (bucket.byKey.get(e.key) === e) bucket.byKey.delete(e.key);
    }
  }

  function forget(index: string): void {
    const bucket = buckets.get(index);
    if (!bucket) return;
    removeAt(bucket, 0, bucket.entries.length);
    buckets.delete(index);
    onDrop?.(index);
  }

  function evictOverBytes(): void {
    for (const [index, bucket] of buckets) {
      if (bytes <= maxBytes) return;
      while (bytes > maxBytes && bucket.entries.length > 1) removeAt(bucket, 0, 1);
      if (bytes > maxBytes) forget(index);
    }
  }

  return {
    search(index, query, threshold, now) {
      const bucket = buckets.get(index);
      if (!bucket) return undefined;
      touch(index, bucket);
      let best: Entry | undefined;
      let bestScore = -Infinity;
      let expired = 0;
      const entries = bucket.entries;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as Entry;
        if (e.expiresAt <= now) {
          expired++;
          continue;
        }
        if (e.vector.length !== query.length) continue; // another dimension: not comparable
        const score = dot(e.vector, query);
        if (score > bestScore) {
          bestScore = score;
          best = e;
        }
      }
      if (expired > 0) {
        const live = entries.filter((e) => e.expiresAt > now);
        // Nothing live: forget the index, or one empty bucket per context ever seen would stay forever.
        if (live.length === 0) {
          forget(index);
          return undefined;
        }
        removeAt(bucket, 0, entries.length);
        bucket.entries = live;
        for (const e of live) {
          bytes += entryBytes(e);
          bucket.byKey.set(e.key, e);
        }
      }
      if (!best || bestScore + EPSILON < threshold) return undefined;
      return { key: best.key, score: Math.min(1, bestScore) };
    },

    insert(index, vector, key, expiresAt) {
      let bucket = buckets.get(index);
      if (!bucket) {
        bucket = { entries: [], byKey: new Map() };
        buckets.set(index, bucket);
      } else touch(index, bucket);
      const previous = bucket.byKey.get(key);
      if (previous) removeAt(bucket, bucket.entries.indexOf(previous), 1);
      const entry: Entry = { vector, key, expiresAt };
      bucket.entries.push(entry);
      bucket.byKey.set(key, entry);
      bytes += entryBytes(entry);
      if (bucket.entries.length > maxPerIndex) removeAt(bucket, 0, bucket.entries.length - maxPerIndex);
      if (bytes > maxBytes) evictOverBytes();
    },

    drop: forget,
    has: (index) => buckets.has(index),
    get bytes() {
      return bytes;
    },
  };
}

/** The semantic index of a single process (the default; `GANTRY_CACHE=redis` shares one across replicas). */
export function createMemorySemanticIndex(options: MemorySemanticIndexOptions = {}): SemanticIndex {
  const table = createVectorTable(options);
  return {
    kind: 'memory',
    async search(index, vector, threshold, now) {
      const query = unitVector(vector);
      return query ? table.search(index, query, threshold, now) : undefined;
    },
    async add(index, vector, key, expiresAt) {
      const unit = unitVector(vector);
      if (unit) table.insert(index, unit, key, expiresAt);
    },
    async close() {},
  };
}
