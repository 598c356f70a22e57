import { parseAllDocuments } from 'yaml';
import { locateJsonError } from '../../kernel/json-error.js';
import type { Problem } from './problems.js';

export const MAX_DOCUMENTS = 5_000;
/** One document above this size is refused (a resource is metadata, not data). */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

export interface ParsedText {
  readonly docs: unknown[];
  readonly problems: Problem[];
}

/**
 * Parses YAML (one or many `---` documents) or JSON (a document, an array of them, or a List with
 * `items`). Syntax errors name the document, line and column.
 */
export function parseResourceText(text: string): ParsedText {
  const problems: Problem[] = [];
  const docs: unknown[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      docs.push(...flatten(JSON.parse(text)));
    } catch {
      // The position only: V8's message quotes the text around the error (a Secret's value, say).
      const at = locateJsonError(text);
      problems.push({ document: 'JSON body', path: '', message: `JSON syntax error${at ? ` at line ${at.line}, column ${at.column}: ${at.problem}` : ''}` });
    }
  } else {
    const parsed = parseAllDocuments(text, { prettyErrors: true });
    const all = Array.isArray(parsed) ? parsed : [parsed];
    all.forEach((doc, i) => {
      for (const err of doc.errors) {
        const pos = err.linePos?.[0];
        problems.push({
          document: `document ${i + 1}`,
          path: '',
          message: `YAML syntax error${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${err.message.split('\n')[0]}`,
        });
      }
      if (doc.errors.length > 0) return;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch {
        // Never the library's message: for `value: *sk-…` (an unquoted value starting with `*`) it
        // quotes the "alias", i.e. a Secret's value, and an uncaught error is logged as internal.
        problems.push({
          document: `document ${i + 1}`,
          path: '',
          message: 'YAML alias error: an alias (*name) has no anchor, or aliases expand too much; quote a value that starts with *',
        });
        return;
      }
      if (value !== null && value !== undefined) docs.push(...flatten(value));
    });
  }
  if (docs.length > MAX_DOCUMENTS) {
    problems.push({ document: 'request', path: '', message: `${docs.length} documents; at most ${MAX_DOCUMENTS} per apply` });
  }
  docs.forEach((doc, i) => {
    // Checked first, without recursion: every later step (size, schema, diff, audit hash) recurses.
    if (depthOf(doc) > MAX_DEPTH) {
      problems.push({ document: `document ${i + 1}`, path: '', message: `nested more than ${MAX_DEPTH} levels deep; a resource is never that deep` });
      // Kept as a placeholder (document numbers stay right) that no later, recursive step walks.
      docs[i] = REJECTED;
      return;
    }
    const size = Buffer.byteLength(JSON.stringify(doc) ?? '');
    if (size > MAX_DOCUMENT_BYTES) {
      problems.push({ document: `document ${i + 1}`, path: '', message: `${size} bytes; a document may be at most ${MAX_DOCUMENT_BYTES} bytes` });
    }
  });
  return { docs, problems };
}

export const MAX_DEPTH = 32;

/** Stands in for a document already refused by the parser; validation skips it. */
export const REJECTED: unique symbol = Symbol('rejected document');

/** Nesting depth of a parsed value, iteratively (a hostile document cannot overflow the stack). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

function flatten(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null && Array.isArray((value as { items?: unknown }).items) && !('kind' in value && 'spec' in value)) {
    return (value as { items: unknown[] }).items;
  }
  return [value];
}
