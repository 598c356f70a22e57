#!/usr/bin/env node
// Precision and recall of the built-in guardrail detectors on the labelled corpus
// (test/fixtures/guardrails/<rule>.jsonl, every case scanned with every rule on), per rule and
// overall. No gateway runs. The floors in src/guardrails/evaluate.test.ts come from this output.
//   npm run guardrails:eval [-- --dir test/fixtures/guardrails]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateCorpus, formatEval, parseCorpus } from '../dist/guardrails/evaluate.js';

const { values } = parseArgs({ options: { dir: { type: 'string', default: 'test/fixtures/guardrails' } } });
const cases = readdirSync(values.dir)
  .filter((f) => f.endsWith('.jsonl'))
  .flatMap((f) => parseCorpus(readFileSync(join(values.dir, f), 'utf8')));
process.stdout.write(formatEval(evaluateCorpus(cases), cases.length));
