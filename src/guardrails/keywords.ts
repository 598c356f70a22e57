import type { Finding } from './types.js';

/**
 * Denied keywords/topics: case-insensitive, whole words (Unicode letters and digits are word
 * characters, so "class" does not hit "classification"), a space in a keyword matches any run of
 * whitespace. Compiled once per guardrail into one alternation (longest first, so "project aurora"
 * wins over "project"), then each call is one linear pass.
 */
export type KeywordDetector = (text: string) => Finding[];

export function createKeywordDetector(keywords: readonly string[]): KeywordDetector {
  const terms = [...new Set(keywords.map((k) => k.trim().toLowerCase()).filter((k) => k.length > 0))].sort((a, b) => b.length - a.length);
  if (terms.length === 0) return () => [];
  const body = terms.map((t) => t.split(/\s+/).map(escapeRegExp).join('\\s+')).join('|');
  const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${body})(?![\\p{L}\\p{N}_])`, 'giu');
  return (text) => [...text.matchAll(re)].map((m) => ({ rule: 'keyword', start: m.index, end: m.index + m[0].length }));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
