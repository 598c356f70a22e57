import type { Tokenizer } from '../../kernel/tokens.js';
import type { EmbeddingRequest } from '../../kernel/wire/openai.js';
import { hashString } from './random.js';

/** The inputs of an embeddings request as texts, with their token counts. */
export function embeddingInputs(tok: Tokenizer, input: EmbeddingRequest['input']): { texts: string[]; tokens: number } {
  const items: unknown[] = typeof input === 'string' ? [input] : Array.isArray(input) && typeof input[0] === 'number' ? [input] : (input as unknown[]);
  let tokens = 0;
  const texts = items.map((item) => {
    if (typeof item === 'string') {
      tokens += tok.countText(item);
      return item;
    }
    const ids = item as number[];
    tokens += ids.length;
    return tok.decode(ids);
  });
  return { texts, tokens };
}

/**
 * Feature hashing of character trigrams and words into `dims` buckets with signed hashes, then L2
 * normalisation: texts that share many n-grams get a high cosine similarity, so semantic caching
 * and retrieval can be demonstrated without a neural model.
 */
export function embedText(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  const normalised = ` ${text.toLowerCase().replace(/\s+/g, ' ').trim()} `;
  const add = (feature: string, weight: number) => {
    const h = hashString(feature);
    const sign = (hashString(feature, 0x9e3779b9) & 1) === 0 ? 1 : -1;
    v[h % dims] = (v[h % dims] as number) + sign * weight;
  };
  for (let i = 0; i + 3 <= normalised.length; i++) add(normalised.slice(i, i + 3), 1);
  for (const word of normalised.split(' ')) if (word) add(`w:${word}`, 2);
  let norm = 0;
  for (let i = 0; i < dims; i++) norm += (v[i] as number) ** 2;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dims; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** OpenAI's base64 encoding: little-endian float32 bytes. */
export function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
