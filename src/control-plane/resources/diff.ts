import { canonicalJson } from '../../kernel/audit-hash.js';

export interface FieldChange {
  readonly path: string;
  readonly op: 'add' | 'remove' | 'replace';
  readonly before?: unknown;
  readonly after?: unknown;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field-level diff of two JSON values (objects recursively; arrays and scalars as a whole). */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isPlain(before) && isPlain(after)) {
    const out: FieldChange[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) {
      const p = path ? `${path}.${k}` : k;
      const b = before[k];
      const a = after[k];
      if (b === undefined && a !== undefined) out.push({ path: p, op: 'add', after: a });
      else if (b !== undefined && a === undefined) out.push({ path: p, op: 'remove', before: b });
      else out.push(...diffValues(b, a, p));
    }
    return out;
  }
  if (canonicalJson(before) === canonicalJson(after)) return [];
  if (before === undefined) return [{ path, op: 'add', after }];
  if (after === undefined) return [{ path, op: 'remove', before }];
  return [{ path, op: 'replace', before, after }];
}
