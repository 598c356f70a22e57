import { Environment } from '@marcbachmann/cel-js';
import type { RequestFeatures } from '../../data-plane/snapshot.js';

type CelType = 'int' | 'double' | 'bool' | 'string';

/**
 * The CEL variables a Route rule may read, one per request feature (docs/routing.md#features). The
 * Record type keeps this list in step with RequestFeatures: a new feature does not compile until it
 * has a CEL type here.
 */
export const FEATURE_TYPES: Readonly<Record<keyof RequestFeatures, CelType>> = Object.freeze({
  promptTokens: 'int',
  turns: 'int',
  messages: 'int',
  tools: 'bool',
  toolCount: 'int',
  code: 'bool',
  jsonMode: 'bool',
  images: 'bool',
  maxTokens: 'int',
  task: 'string',
  agent: 'string',
  team: 'string',
  lastUser: 'string',
  score: 'double',
});

const FEATURE_NAMES = Object.keys(FEATURE_TYPES) as (keyof RequestFeatures)[];
const INT_FEATURES = FEATURE_NAMES.filter((n) => FEATURE_TYPES[n] === 'int');

/** For error hints: `promptTokens (int), turns (int), …`. */
export const FEATURE_LIST = FEATURE_NAMES.map((n) => `${n} (${FEATURE_TYPES[n]})`).join(', ');

/** A CEL environment that knows exactly the feature variables (an unknown name is an error when checked). */
export function createFeatureEnvironment(): Environment {
  const env = new Environment();
  for (const name of FEATURE_NAMES) env.registerVariable(name, FEATURE_TYPES[name]);
  return env;
}

/**
 * The evaluation context of one request. cel-js types CEL `int` as BigInt (`promptTokens > 2000`
 * compares BigInts, and a plain JS number fails as "not of type int"), so integer features become
 * BigInt here; `score` stays a double.
 */
export function celContext(features: RequestFeatures): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...features };
  for (const name of INT_FEATURES) ctx[name] = BigInt(Math.trunc(features[name] as number));
  return ctx;
}

/** Why a rule's `when` cannot be used (parse error, unknown variable, type error, not a bool); undefined when it can. */
export function whenProblem(env: Environment, expression: string): string | undefined {
  const result = env.check(expression);
  if (!result.valid) {
    const err = result.error;
    const summary = err?.summary ?? err?.message.split('\n')[0] ?? 'invalid expression';
    const at = err?.range ? ` at character ${err.range.start + 1}` : '';
    return `CEL: ${summary}${at}; the variables are ${FEATURE_LIST} (docs/routing.md#features)`;
  }
  if (result.type !== 'bool') return `CEL: the expression must be true or false, not ${result.type ?? 'unknown'} (e.g. \`promptTokens > 2000\`)`;
  return undefined;
}
