import { describe, expect, it } from 'vitest';
import { cosine, embedText, normaliseForEmbedding } from './embeddings.js';

const sim = (a: string, b: string) => cosine(embedText(a, 256), embedText(b, 256));

describe('simulator embeddings are similarity-preserving (the semantic cache demo relies on it)', () => {
  it('embeds texts that differ only in case, punctuation or contractions identically', () => {
    expect(normaliseForEmbedding("What’s the capital of France?!")).toBe('what is the capital of france');
    expect(sim('What is the capital of France?', "what's the capital of France")).toBeGreaterThan(0.999);
    expect(sim('I cannot go', "I can't go")).toBeGreaterThan(0.999);
    expect(sim('Summarise the report', 'summarize the reports')).toBeGreaterThan(0.999);
  });

  it('gives near-duplicates a high cosine and a changed content word a clearly lower one', () => {
    expect(sim('the cat sat on the mat', 'the cat sat on a mat')).toBeGreaterThan(0.95);
    expect(sim('What is the capital of France?', 'What is the capital city of France?')).toBeGreaterThan(0.8);
    const changed = sim('What is the capital of France?', 'What is the capital of Germany?');
    expect(changed).toBeGreaterThan(0.3);
    expect(changed).toBeLessThan(0.8); // below any sensible threshold (the default is 0.95)
  });

  it('gives unrelated texts a cosine near 0', () => {
    expect(Math.abs(sim('What is the capital of France?', 'Write a haiku about autumn leaves'))).toBeLessThan(0.2);
    expect(Math.abs(sim('How do I reverse a list in Python?', 'quarterly revenue grew in europe'))).toBeLessThan(0.2);
  });

  it('is deterministic, unit length and keeps the requested dimension', () => {
    const a = embedText('hello world', 64);
    expect(a).toHaveLength(64);
    expect(embedText('hello world', 64)).toEqual(a);
    expect(cosine(a, a)).toBeCloseTo(1, 5);
    expect(embedText('?!', 8).every((x) => x === 0)).toBe(true); // nothing to embed: the zero vector
  });
});

describe('simulator embeddings: negation', () => {
  it('a negated question is not a near-duplicate (a semantic hit would answer the opposite question)', () => {
    expect(sim('Should I take aspirin with ibuprofen?', 'Should I not take aspirin with ibuprofen?')).toBeLessThan(0.9);
    expect(sim('Is this mushroom safe to eat?', "Isn't this mushroom safe to eat?")).toBeLessThan(0.9);
    expect(sim('Is there a fee?', 'Is there no fee?')).toBeLessThan(0.9);
  });
});
