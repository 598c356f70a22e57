import { formatValue } from '../output.js';

/** One field change as the server reports it. */
export interface DiffEntry {
  readonly path: string;
  readonly op: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ApplyResult {
  readonly kind: string;
  readonly name: string;
  readonly action: string;
  readonly generation?: number;
  readonly diff?: readonly DiffEntry[];
}

/** `POST /admin/v1/apply` response (docs/admin-api.md). */
export interface ApplyResponse {
  readonly dryRun: boolean;
  readonly results: readonly ApplyResult[];
  readonly secrets?: readonly { readonly kind: string; readonly name: string; readonly key: string }[];
}

/** `team/payments`: the kind lower-cased, as users type it. */
export function ref(kind: string, name: string): string {
  return `${kind.toLowerCase()}/${name}`;
}

/** `~ spec.x: old → new`, `+ path: v`, `- path: v`. */
export function formatDiffEntry(d: DiffEntry): string {
  if (d.op === 'add') return `+ ${d.path}: ${formatValue(d.after)}`;
  if (d.op === 'remove') return `- ${d.path}: ${formatValue(d.before)}`;
  return `~ ${d.path}: ${formatValue(d.before)} → ${formatValue(d.after)}`;
}
