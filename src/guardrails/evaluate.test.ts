import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CorpusCase, evaluateCorpus, formatEval, parseCorpus } from './evaluate.js';
import type { DetectorRule } from './types.js';

const dir = join(import.meta.dirname, '../../test/fixtures/guardrails');
const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
const corpus = (file: string): CorpusCase[] => parseCorpus(readFileSync(join(dir, file), 'utf8'));

/**
 * Floors set from the measured precision/recall (scripts/guardrails-eval.mjs, docs/guardrails.md)
 * minus a margin: a detector change that loses more than that fails CI.
 */
const FLOORS: Partial<Record<DetectorRule | 'overall', { precision: number; recall: number }>> = {
  overall: { precision: 0.97, recall: 0.97 }, // measured 99.2% / 100%
  'secret.high_entropy': { precision: 0.8, recall: 0.9 }, // measured 88.9% / 100% (base64 blobs that are not secrets)
};
/** Every other rule measured 100% / 100% on this corpus (tuned with it: in-sample figures). */
const DEFAULT_FLOOR = { precision: 0.9, recall: 0.9 };

describe('guardrail corpus', () => {
  it('has at least 15 positive and 15 negative cases per detector', () => {
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const file of files) {
      const rule = file.replace(/\.jsonl$/, '');
      const cases = corpus(file);
      expect(cases.filter((c) => c.expect.includes(rule as DetectorRule)).length, file).toBeGreaterThanOrEqual(15);
      expect(cases.filter((c) => !c.expect.includes(rule as DetectorRule)).length, file).toBeGreaterThanOrEqual(15);
    }
  });

  it('keeps precision and recall per rule above their floors', () => {
    const all = files.flatMap(corpus);
    const result = evaluateCorpus(all);
    if (process.env.GUARDRAILS_EVAL_DEBUG) process.stdout.write(formatEval(result, all.length));
    for (const r of [...result.perRule, result.overall]) {
      const floor = FLOORS[r.rule] ?? DEFAULT_FLOOR;
      expect(r.precision, `${r.rule} precision`).toBeGreaterThanOrEqual(floor.precision);
      expect(r.recall, `${r.rule} recall`).toBeGreaterThanOrEqual(floor.recall);
    }
  });
});
