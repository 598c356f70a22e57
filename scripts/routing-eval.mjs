#!/usr/bin/env node
// Evaluates the complexity router on the labelled prompt set (test/fixtures/routing/prompts.jsonl) with
// the Route "auto" of examples/routing/gantry.yaml (its rules and complexity threshold), priced with that
// file's sim-small and sim-large prices: accuracy, precision/recall of "complex", the confusion matrix,
// and the savings against sending everything to the flagship. No gateway or upstream runs.
//   npm run routing:eval [-- --route auto --config examples/routing/gantry.yaml --prompts <file.jsonl>]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { evaluateRoute, formatRouteEval, parsePromptSet, routeEvalFromDocs } from '../dist/control-plane/routing/evaluate-route.js';

const { values } = parseArgs({
  options: {
    route: { type: 'string', default: 'auto' },
    config: { type: 'string', default: 'examples/routing/gantry.yaml' },
    prompts: { type: 'string', default: 'test/fixtures/routing/prompts.jsonl' },
  },
});
// Answers are not generated: a fixed output size per label prices them (printed with the results).
const OUTPUT_TOKENS = { simple: 150, complex: 600 };

const docs = parseAllDocuments(readFileSync(values.config, 'utf8')).map((d) => d.toJS());
const options = routeEvalFromDocs(docs, values.route, OUTPUT_TOKENS);
const prompts = parsePromptSet(readFileSync(values.prompts, 'utf8'));
process.stdout.write(formatRouteEval(evaluateRoute(prompts, options), options));
