import type { Environment } from '@marcbachmann/cel-js';
import type { RouteSpec } from '../resources/kinds/route.js';
import { whenProblem } from './cel-features.js';

/**
 * Rules of a Route document on its own (validate.ts): every `when` is CEL over the known feature
 * variables and yields a bool; the route decides every request (a default, the complexity score or a
 * split after its rules); split weights are not all 0; rule names are unique (they are the recorded
 * reason).
 */
export function routeProblems(spec: RouteSpec, env: Environment): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Map<string, number>();
  (spec.rules ?? []).forEach((rule, i) => {
    const earlier = seen.get(rule.name);
    if (earlier === undefined) seen.set(rule.name, i);
    else out.push([`spec.rules[${i}].name`, `"${rule.name}" is also the name of spec.rules[${earlier}]; rule names are unique (usage events record them as the reason)`]);
    const problem = whenProblem(env, rule.when);
    if (problem) out.push([`spec.rules[${i}].when`, problem]);
  });
  if (!spec.default && !spec.complexity && !spec.split) {
    out.push(['spec', 'a Route must decide every request: set spec.default, spec.complexity or spec.split (a request no rule matches needs a model)']);
  }
  if (spec.split && spec.split.reduce((sum, s) => sum + s.weight, 0) === 0) {
    out.push(['spec.split', 'the weights add up to 0; give at least one model a weight above 0']);
  }
  if (spec.split && spec.complexity) {
    out.push(['spec.split', 'never used: spec.complexity decides every request no rule matched; remove one of them']);
  }
  return out;
}
