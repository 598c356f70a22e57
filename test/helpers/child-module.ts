import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Makes a TypeScript module of this repo runnable by a plain `node` child process (Node 20 runs no
 * .ts): transpiles it and every module it imports by relative path into `outDir` (same layout as the
 * repo; node_modules linked), and returns the path of the entry's .js. No build of dist/ needed.
 */
export function transpileForChild(entry: string, outDir: string): string {
  const seen = new Set<string>();
  const todo = [resolve(ROOT, entry)];
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(outDir, 'node_modules'), 'dir');
  } catch {
    // already linked
  }
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const out = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out);
    for (const m of out.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)\.js['"]/g)) todo.push(resolve(dirname(file), `${m[1]}.ts`));
  }
  return join(outDir, relative(ROOT, entry)).replace(/\.ts$/, '.js');
}
