import { PII_RULES } from './pii.js';
import { createScanner } from './scan.js';
import { SECRET_RULES } from './secrets.js';
import type { DetectorRule } from './types.js';

/**
 * Precision/recall of the detectors over the labelled corpus (test/fixtures/guardrails/*.jsonl):
 * every case is scanned with every rule on, so a detector firing on another rule's case counts as a
 * false positive. Used by `npm run guardrails:eval` and by the floor test.
 */
export interface CorpusCase {
  readonly text: string;
  readonly expect: readonly DetectorRule[];
  readonly skipCode?: boolean;
}

export interface RuleScore {
  readonly rule: DetectorRule;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
}

/** The keyword list the keyword corpus is labelled against, and the injection threshold. */
export const CORPUS_KEYWORDS: readonly string[] = ['project aurora', 'layoffs', 'acquisition of initech', 'salary bands'];
export const CORPUS_INJECTION_THRESHOLD = 0.5;
const ALL_RULES: ReadonlySet<DetectorRule> = new Set<DetectorRule>([...PII_RULES, ...SECRET_RULES, 'injection', 'keyword']);

export function parseCorpus(jsonl: string): CorpusCase[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l) => {
      const c = JSON.parse(l) as { text: string; expect: DetectorRule[]; options?: { skipCode?: boolean } };
      return { text: c.text, expect: c.expect, skipCode: c.options?.skipCode === true };
    });
}

export function evaluateCorpus(cases: readonly CorpusCase[]): { perRule: RuleScore[]; overall: RuleScore } {
  const base = { rules: ALL_RULES, keywords: CORPUS_KEYWORDS, injectionThreshold: CORPUS_INJECTION_THRESHOLD };
  const plain = createScanner(base);
  const skippingCode = createScanner({ ...base, skipCode: true });
  const counts = new Map<DetectorRule, { tp: number; fp: number; fn: number }>();
  const at = (rule: DetectorRule) => counts.get(rule) ?? counts.set(rule, { tp: 0, fp: 0, fn: 0 }).get(rule)!;
  for (const c of cases) {
    const found = new Set((c.skipCode ? skippingCode : plain)(c.text).map((f) => f.rule));
    const expected = new Set(c.expect);
    for (const r of expected) found.has(r) ? at(r).tp++ : at(r).fn++;
    for (const r of found) if (!expected.has(r)) at(r).fp++;
  }
  const perRule = [...counts].map(([rule, n]) => score(rule, n.tp, n.fp, n.fn)).sort((a, b) => a.rule.localeCompare(b.rule));
  const sum = (k: 'tp' | 'fp' | 'fn') => perRule.reduce((s, r) => s + r[k], 0);
  return { perRule, overall: score('overall' as DetectorRule, sum('tp'), sum('fp'), sum('fn')) };
}

function score(rule: DetectorRule, tp: number, fp: number, fn: number): RuleScore {
  return { rule, tp, fp, fn, precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
}

export function formatEval(result: { perRule: RuleScore[]; overall: RuleScore }, cases: number): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);
  const row = (r: RuleScore) => `${r.rule.padEnd(22)} ${String(r.tp).padStart(4)} ${String(r.fp).padStart(4)} ${String(r.fn).padStart(4)} ${pct(r.precision)} ${pct(r.recall)}`;
  return [`${cases} cases`, `${'rule'.padEnd(22)}   tp   fp   fn  precis  recall`, ...result.perRule.map(row), row(result.overall), ''].join('\n');
}
