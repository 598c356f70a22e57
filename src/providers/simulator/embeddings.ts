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

/** Contractions spelled out, so "what's" and "what is" are the same words. */
const CONTRACTIONS: readonly [RegExp, string][] = [
  [/\bcan(?:'t|not)\b/g, 'can not'],
  [/\bwon't\b/g, 'will not'],
  [/n't\b/g, ' not'],
  [/\blet's\b/g, 'let us'],
  [/\b(what|that|it|there|here|who|where|how|when|why|he|she)'s\b/g, '$1 is'],
  [/'re\b/g, ' are'],
  [/'ve\b/g, ' have'],
  [/'ll\b/g, ' will'],
  [/'m\b/g, ' am'],
  [/'d\b/g, ' would'],
];

/** Words that carry little meaning: they count far less than content words. Negations (not, no) are content: they flip the question. */
const STOPWORDS = new Set(
  (
    'a an the of to in on at by for from with about as into over and or but if then so than is are was were be been being am do does did ' +
    'have has had i me my we our you your he she it its they them their this that these those what which who whom whose where when why how ' +
    'can could would should will shall may might must please tell give me yes just very really also there here let us some any'
  ).split(' '),
);

/** Lower case, spelled-out contractions, no punctuation, single spaces. */
export function normaliseForEmbedding(text: string): string {
  let t = text.toLowerCase().replace(/[\u2018\u2019`]/g, "'");
  for (const [pattern, replacement] of CONTRACTIONS) t = t.replace(pattern, replacement);
  return t
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A crude stem so that plurals and British/American -ise/-ize spellings share a word feature. */
function stem(word: string): string {
  let w = word.replace(/is(e|ed|es|ing|ation)$/, 'iz$1');
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  return w;
}

/**
 * Feature hashing of words (content words weigh much more than stop words) and of character trigrams
 * inside words, into `dims` buckets with signed hashes, then L2 normalisation. Texts that differ only
 * in case, punctuation or contractions embed identically; a changed content word ("France" →
 * "Germany") lowers the cosine clearly; unrelated texts score near 0. Enough to demonstrate semantic
 * caching and retrieval without a neural model, deterministically.
 */
export function embedText(text: string, dims: number): Float32Array {
  const v = new Float32Array(dims);
  const add = (feature: string, weight: number) => {
    const h = hashString(feature);
    const sign = (hashString(feature, 0x9e3779b9) & 1) === 0 ? 1 : -1;
    v[h % dims] = (v[h % dims] as number) + sign * weight;
  };
  for (const word of normaliseForEmbedding(text).split(' ')) {
    if (!word) continue;
    if (STOPWORDS.has(word)) {
      add(`w:${word}`, 0.5);
      continue;
    }
    const s = stem(word);
    add(`w:${s}`, 4);
    const padded = ` ${s} `;
    for (let i = 0; i + 3 <= padded.length; i++) add(padded.slice(i, i + 3), 0.5);
  }
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
