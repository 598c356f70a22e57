/** The best stored vector for a query: the key it maps to and its cosine similarity to the query. */
export interface SemanticMatch {
  readonly key: string;
  readonly score: number;
}

/**
 * Vectors of cached prompts → the cache keys of their answers (the semantic cache, docs/caching.md).
 * An `index` is one isolation unit (tenant namespace + model + embedding model + exact context):
 * a search never sees another index's vectors. Vectors are compared by cosine similarity; adapters
 * normalise them on add and search, so callers may pass unnormalised ones. Entries are bounded
 * (oldest dropped first) and expire at `expiresAt` (epoch ms).
 */
export interface SemanticIndex {
  readonly kind: 'memory' | 'redis';
  /** The entry with the highest cosine ≥ threshold among the index's unexpired entries at `now`, or undefined. */
  search(index: string, vector: Float32Array, threshold: number, now: number): Promise<SemanticMatch | undefined>;
  add(index: string, vector: Float32Array, key: string, expiresAt: number): Promise<void>;
  close(): Promise<void>;
}
