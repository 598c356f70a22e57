import { GatewayError } from '../../kernel/errors/index.js';

/** One problem in a configuration file: which document, which field, what is expected. */
export interface ConfigProblem {
  /** e.g. `document 2 (Model "gpt-4o-mini")` */
  readonly document: string;
  /** Dotted path, e.g. `spec.pricing.inputPer1M`. */
  readonly path: string;
  readonly message: string;
}

export function formatProblems(source: string, problems: readonly ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.document}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  return `${source} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

export function configError(source: string, problems: readonly ConfigProblem[]): GatewayError {
  return new GatewayError('GW_CONFIG_INVALID', formatProblems(source, problems));
}
