import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import type { CliContext } from './context.js';
import { readDocuments, relabelDetails, toMultiDocumentYaml } from './read-documents.js';

function project(files: Record<string, string>): CliContext {
  const cwd = mkdtempSync(join(tmpdir(), 'gantry-docs-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(cwd, path, '..'), { recursive: true });
    writeFileSync(join(cwd, path), text);
  }
  return { env: {}, cwd, out: () => {}, err: () => {}, fetch, now: () => 0, readStdin: async () => 'kind: Team\nmetadata: {name: s}\n' };
}

const team = (name: string) => `kind: Team\nmetadata: {name: ${name}}\n`;

describe('readDocuments', () => {
  it('reads a directory recursively in sorted order, skipping other and hidden files', async () => {
    const ctx = project({
      'cp/b.yaml': team('b1') + '---\n' + team('b2'),
      'cp/a/z.yml': team('az'),
      'cp/c.json': JSON.stringify({ kind: 'Team', metadata: { name: 'c' } }),
      'cp/README.md': '# not a resource',
      'cp/.#b.yaml': team('lock'),
    });
    const docs = await readDocuments(ctx, ['cp']);
    expect(docs.map((d) => `${d.source}#${d.index}`)).toEqual(['cp/a/z.yml#1', 'cp/b.yaml#1', 'cp/b.yaml#2', 'cp/c.json#1']);
  });

  it('expands JSON arrays and {items: [...]} lists, and skips empty YAML documents', async () => {
    const ctx = project({
      'list.json': JSON.stringify({ kind: 'TeamList', items: [{ kind: 'Team', metadata: { name: 'x' } }, { kind: 'Team', metadata: { name: 'y' } }] }),
      'arr.json': JSON.stringify([{ kind: 'Team', metadata: { name: 'z' } }]),
      'e.yaml': `---\n${team('e')}---\n`,
    });
    const docs = await readDocuments(ctx, ['list.json', 'arr.json', 'e.yaml']);
    expect(docs.map((d) => (d.doc as { metadata: { name: string } }).metadata.name)).toEqual(['x', 'y', 'z', 'e']);
  });

  it('reads stdin for -', async () => {
    const docs = await readDocuments(project({}), ['-']);
    expect(docs).toEqual([{ source: '<stdin>', index: 1, doc: { kind: 'Team', metadata: { name: 's' } } }]);
  });

  it('reports every syntax problem of every file at once', async () => {
    const ctx = project({ 'bad1.yaml': 'kind: [Team\n', 'bad2.json': '{"kind":', 'ok.yaml': team('ok') });
    const err = (await readDocuments(ctx, ['bad1.yaml', 'bad2.json', 'ok.yaml']).catch((e: unknown) => e)) as CliError;
    expect(err).toBeInstanceOf(CliError);
    const sources = err.details.map((d) => (d as { document: string }).document);
    expect(sources).toContain('bad1.yaml');
    expect(sources).toContain('bad2.json');
    expect(err.message).toMatch(/nothing was sent/);
  });

  it('fails clearly on a missing path or an empty directory', async () => {
    const ctx = project({ 'empty/readme.txt': 'x' });
    await expect(readDocuments(ctx, ['nope.yaml'])).rejects.toThrow('cannot read nope.yaml: no such file or directory');
    await expect(readDocuments(ctx, ['empty'])).rejects.toThrow(/holds no .yaml/);
  });
});

describe('one multi-document body', () => {
  it('converts every document (JSON included) into one YAML stream that parses back', async () => {
    const ctx = project({ 'a.yaml': team('a'), 'b.json': JSON.stringify({ kind: 'Team', metadata: { name: 'b' } }) });
    const docs = await readDocuments(ctx, ['a.yaml', 'b.json']);
    const parsed = parseAllDocuments(toMultiDocumentYaml(docs)).map((d) => d.toJS() as unknown);
    expect(parsed).toEqual([
      { kind: 'Team', metadata: { name: 'a' } },
      { kind: 'Team', metadata: { name: 'b' } },
    ]);
  });

  it("rewrites the server's document numbers into file and position", async () => {
    const ctx = project({ 'a.yaml': team('a'), 'b.yaml': team('b1') + '---\n' + team('b2') });
    const docs = await readDocuments(ctx, ['a.yaml', 'b.yaml']);
    const details = relabelDetails([{ document: 'document 3 (Team "b2")', path: 'spec.x', message: 'unknown' }, 'plain'], docs);
    expect(details).toEqual([{ document: 'b.yaml: document 2 (Team "b2")', path: 'spec.x', message: 'unknown' }, 'plain']);
  });
});
