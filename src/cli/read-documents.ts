import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { CliError } from './cli-error.js';
import type { CliContext } from './context.js';

/** One resource document with where it came from, so server errors can name the file. */
export interface SourceDocument {
  /** The file as the user would recognise it (relative to the working directory), or `<stdin>`. */
  readonly source: string;
  /** 1-based position within its file. */
  readonly index: number;
  readonly doc: unknown;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files of a directory, recursively, in sorted path order; hidden entries (editor droppings) are skipped. */
function walk(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return walk(path);
    return e.isFile() && EXTENSIONS.has(extname(e.name).toLowerCase()) ? [path] : [];
  });
}

/** Lists (`{kind: 'TeamList', items: [...]}`, what `get -o json` prints) and arrays hold several documents. */
function expand(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.items) && (v.kind === undefined || (typeof v.kind === 'string' && v.kind.endsWith('List')))) return v.items;
  }
  return [value];
}

interface Problem {
  readonly document: string;
  readonly path: string;
  readonly message: string;
}

function parseText(text: string, source: string, json: boolean, problems: Problem[]): unknown[] {
  if (json) {
    try {
      return expand(JSON.parse(text));
    } catch (err) {
      problems.push({ document: source, path: '(file)', message: `not valid JSON: ${(err as Error).message}` });
      return [];
    }
  }
  const docs: unknown[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length > 0) {
      for (const e of d.errors) {
        const at = e.linePos?.[0];
        problems.push({ document: source, path: at ? `line ${at.line}, column ${at.col}` : '(file)', message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '') });
      }
      continue;
    }
    const value: unknown = d.toJS();
    // An empty document (a stray `---`) is not a resource.
    if (value !== null && value !== undefined) docs.push(...expand(value));
  }
  return docs;
}

/**
 * Reads every `-f` argument (a file, a directory read recursively in sorted order, or `-` for stdin)
 * into one list of documents. Every syntax problem of every file is reported at once.
 */
export async function readDocuments(ctx: CliContext, inputs: readonly string[]): Promise<SourceDocument[]> {
  const files: string[] = [];
  const result: SourceDocument[] = [];
  const problems: Problem[] = [];
  const display = (path: string) => {
    const rel = relative(ctx.cwd, path);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path;
  };
  const add = (source: string, docs: unknown[]) => {
    for (const [i, doc] of docs.entries()) result.push({ source, index: i + 1, doc });
  };
  for (const input of inputs) {
    if (input === '-') {
      add('<stdin>', parseText(await ctx.readStdin(), '<stdin>', false, problems));
      continue;
    }
    const path = resolve(ctx.cwd, input);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      throw new CliError(`cannot read ${input}: no such file or directory`);
    }
    const found = isDir ? walk(path) : [path];
    if (found.length === 0) throw new CliError(`${input} holds no .yaml, .yml or .json files`);
    files.push(...found);
  }
  for (const path of files) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read ${display(path)}: ${(err as Error).message}`);
    }
    add(display(path), parseText(text, display(path), extname(path).toLowerCase() === '.json', problems));
  }
  if (problems.length > 0) {
    throw new CliError(`${problems.length} problem${problems.length === 1 ? '' : 's'} reading the files; nothing was sent`, {
      details: problems,
    });
  }
  if (result.length === 0) throw new CliError(`no documents found in ${inputs.join(', ')}`);
  return result;
}

/** One multi-document YAML body (JSON documents converted), so the server applies all of them or none. */
export function toMultiDocumentYaml(docs: readonly SourceDocument[]): string {
  return docs.map((d) => `---\n${stringify(d.doc, { lineWidth: 0 })}`).join('');
}

/**
 * The server numbers documents across the whole body (`document 7 (Agent "x")`); rewrite that into
 * the file and position the user wrote (`agents/x.yaml: document 2 (Agent "x")`).
 */
export function relabelDetails(details: readonly unknown[], docs: readonly SourceDocument[]): unknown[] {
  return details.map((detail) => {
    if (detail === null || typeof detail !== 'object') return detail;
    const d = detail as Record<string, unknown>;
    if (typeof d.document !== 'string') return detail;
    const m = /^document (\d+)(.*)$/.exec(d.document);
    const src = m ? docs[Number(m[1]) - 1] : undefined;
    if (!m || !src) return detail;
    return { ...d, document: `${src.source}: document ${src.index}${m[2] ?? ''}` };
  });
}
