#!/usr/bin/env node
// Generates docs/errors.md from the one error catalogue (src/kernel/errors/catalogue.ts, via dist/).
// `--check` fails when the committed file is out of date (run by the test suite).
import { readFileSync, writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../dist/kernel/errors/render-doc.js';

const text = renderErrorsDoc();
if (process.argv.includes('--check')) {
  if (readFileSync('docs/errors.md', 'utf8') !== text) {
    console.error('docs/errors.md is out of date: run `npm run docs:errors`.');
    process.exit(1);
  }
} else {
  writeFileSync('docs/errors.md', text);
  console.log('wrote docs/errors.md');
}
