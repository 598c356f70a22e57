import type { CompiledGuardrail } from './compiled.js';
import { detectInjection } from './injection.js';
import { createKeywordDetector } from './keywords.js';
import { detectPii } from './pii.js';
import { detectSecrets } from './secrets.js';
import type { DetectorRule, Finding } from './types.js';

/** What scan needs of a guardrail (a CompiledGuardrail fits). `skipCode`: emails in ``` blocks are not PII. */
export type ScanConfig = Pick<CompiledGuardrail, 'rules' | 'keywords' | 'injectionThreshold'> & { readonly skipCode?: boolean };

export type Scanner = (text: string) => Finding[];

/**
 * The single entry the guardrail pipeline calls: the configured detectors over one text, findings
 * sorted by position. A generic `secret.high_entropy` finding is dropped where a specific rule (or
 * any other finding) covers the same characters, and an email/phone shape around a token secret is
 * dropped for the secret, so evidence names the most precise rule (redaction covers the same text).
 * `max_input` is not a per-text finding: the pipeline measures it over all of a request's texts
 * (see `exceedsMaxInput`).
 */
export function createScanner(config: ScanConfig): Scanner {
  const { rules } = config;
  const anyPii = [...rules].some((r) => r.startsWith('pii.'));
  const anySecret = [...rules].some((r) => r.startsWith('secret.'));
  const keywords = config.keywords.length > 0 ? createKeywordDetector(config.keywords) : undefined;
  const piiOptions = { skipCode: config.skipCode === true };
  return (text) => {
    const found: Finding[] = [];
    if (anySecret) found.push(...detectSecrets(text, rules));
    if (anyPii) found.push(...detectPii(text, piiOptions, rules));
    if (rules.has('injection')) found.push(...detectInjection(text, config.injectionThreshold));
    if (keywords) found.push(...keywords(text));
    return preferSpecific(found).sort((a, b) => a.start - b.start || a.end - b.end);
  };
}

/**
 * One-call form. Building the keyword regex per call is cheap (V8 caches compiled regexps by
 * source), but a caller scanning many texts with one guardrail can hold a `createScanner` instead.
 */
export function scan(text: string, config: ScanConfig): Finding[] {
  if (config.rules.size === 0 && config.keywords.length === 0) return [];
  return createScanner(config)(text);
}

/** `max_input`: UTF-8 size of the texts over the limit (measured over the whole request). */
export function exceedsMaxInput(texts: readonly string[], maxInputBytes: number | undefined): boolean {
  if (maxInputBytes === undefined) return false;
  let total = 0;
  for (const t of texts) {
    total += Buffer.byteLength(t);
    if (total > maxInputBytes) return true;
  }
  return false;
}

const GENERIC: ReadonlySet<DetectorRule> = new Set(['secret.high_entropy']);

/** An email/phone shape around a token secret (`https://ghp_…@github.com`) is the secret, not PII. */
const UNDER_SECRET: ReadonlySet<DetectorRule> = new Set(['pii.email', 'pii.phone']);

function preferSpecific(found: Finding[]): Finding[] {
  const overlaps = (f: Finding, g: Finding) => g !== f && g.start < f.end && f.start < g.end;
  return found.filter((f) => {
    if (GENERIC.has(f.rule)) return !found.some((g) => !GENERIC.has(g.rule) && g.rule !== 'injection' && overlaps(f, g));
    if (UNDER_SECRET.has(f.rule)) return !found.some((g) => g.rule.startsWith('secret.') && !GENERIC.has(g.rule) && overlaps(f, g));
    return true;
  });
}
