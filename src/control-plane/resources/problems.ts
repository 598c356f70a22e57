import { GatewayError } from '../../kernel/errors/index.js';

/** One problem in a document: which document, which field, what is expected. */
export interface Problem {
  /** e.g. `document 2 (Model "gpt-4o-mini")` */
  readonly document: string;
  /** Dotted path, e.g. `spec.pricing.inputPer1M`. */
  readonly path: string;
  readonly message: string;
}

export function formatProblems(source: string, problems: readonly Problem[]): string {
  const lines = problems.map((p) => `  - ${p.document}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  return `${source} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
}

/** The apply error: every problem, nothing applied. */
export function invalidResources(source: string, problems: readonly Problem[]): GatewayError {
  return new GatewayError('GW_RESOURCE_INVALID', `${formatProblems(source, problems)}\nNothing was applied.`, { details: problems });
}

export function describeDoc(index: number, doc: unknown): string {
  const obj = isObject(doc) ? doc : undefined;
  const kind = obj && typeof obj.kind === 'string' ? obj.kind : undefined;
  const meta = obj && isObject(obj.metadata) ? obj.metadata : undefined;
  const name = meta && typeof meta.name === 'string' ? meta.name : undefined;
  return `document ${index + 1}${kind ? ` (${kind}${name ? ` "${name}"` : ''})` : ''}`;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
