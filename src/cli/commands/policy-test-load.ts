import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, sep } from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, type Scalar, type YAMLError } from 'yaml';
import type { PolicySource as EnginePolicySource } from '../../policy/index.js';
import type { PolicyAction, PolicyValue, PrincipalType, ResourceType } from '../../policy/types.js';
import { modelPolicyAttrs } from '../../policy/model-attributes.js';

/**
 * Reads a `gantry policy test` directory: policies (`*.cedar` files, Policy resources in YAML) and test
 * cases (`*.test.yaml`, `tests/*.yaml`). Problems are collected, not thrown, so every one is reported.
 */

/** One Policy resource's worth of Cedar text (a `.cedar` file is a resource named after the file). */
export interface PolicySource extends EnginePolicySource {
  readonly file: string;
  /** Maps a line/column of the Cedar text to the file's (YAML block scalars start further down). */
  readonly locate: (line: number, column: number) => { line: number; column: number } | undefined;
}

export type Expectation = 'allow' | 'deny' | 'would_deny';

export interface TestCase {
  readonly name: string;
  readonly principal: { type: PrincipalType; id: string; team: string; attrs?: Record<string, PolicyValue> };
  readonly action: PolicyAction;
  readonly resource: { type: ResourceType; id: string; attrs?: Record<string, PolicyValue> };
  readonly context: Record<string, PolicyValue>;
  /** Sets context.hour and context.weekday (UTC) unless the context gives them. */
  readonly at?: string;
  readonly expect: Expectation;
  readonly reasons?: readonly string[];
}

/** A case that could not be read still shows up as a failed case (by its name or position). */
export type LoadedCase = { readonly ok: true; readonly testCase: TestCase } | { readonly ok: false; readonly name: string; readonly problem: string };

export interface TestFile {
  readonly file: string;
  readonly cases: readonly LoadedCase[];
}

export interface LoadProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export interface LoadedDir {
  readonly policies: PolicySource[];
  /** Cedar attributes of the Models defined in the directory (a gantry.yaml), by name. */
  readonly models: Map<string, Record<string, PolicyValue>>;
  readonly testFiles: TestFile[];
  readonly problems: LoadProblem[];
}

const YAML = new Set(['.yaml', '.yml']);
const PRINCIPALS: readonly PrincipalType[] = ['User', 'ApiKey', 'Agent'];
const RESOURCES: readonly ResourceType[] = ['Model', 'Tool', 'Agent', 'Secret'];
const ACTIONS = new Set(['invoke_model', 'call_tool', 'read_secret']);
const EXPECTATIONS: readonly Expectation[] = ['allow', 'deny', 'would_deny'];

function walk(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return walk(path);
    return e.isFile() ? [path] : [];
  });
}

const isTestFile = (rel: string) => /\.test\.ya?ml$/i.test(rel) || (YAML.has(extname(rel).toLowerCase()) && rel.split(sep).slice(0, -1).includes('tests'));

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function isPolicyValue(v: unknown): v is PolicyValue {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isInteger(v);
  if (Array.isArray(v)) return v.every(isPolicyValue);
  return isRecord(v) && Object.values(v).every(isPolicyValue);
}

function valueRecord(v: unknown, what: string): Record<string, PolicyValue> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new Error(`${what} must be a map`);
  for (const [k, x] of Object.entries(v)) {
    // Cedar has no floats (money is integer micro-USD) and no null.
    if (!isPolicyValue(x)) throw new Error(`${what}.${k} must be a string, an integer, a boolean, a list or a map (Cedar has no floats or null)`);
  }
  return v as Record<string, PolicyValue>;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new Error(`${what} must be a non-empty string`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new Error(`${what} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)})`);
  return v as T;
}

/** Validates one case as written in YAML; throws with a message naming the field. */
export function parseCase(raw: unknown): TestCase {
  if (!isRecord(raw)) throw new Error('a case must be a map with name, principal, action, resource, expect');
  const p = raw.principal;
  const r = raw.resource;
  if (!isRecord(p)) throw new Error('principal must be a map {type, id, team}');
  if (!isRecord(r)) throw new Error('resource must be a map {type, id}');
  const action = str(raw.action, 'action');
  if (!ACTIONS.has(action) && !/^admin_[a-z_]+$/.test(action)) throw new Error(`action must be invoke_model, call_tool, read_secret or admin_<verb> (got "${action}")`);
  if (raw.reasons !== undefined && !(Array.isArray(raw.reasons) && raw.reasons.every((x) => typeof x === 'string'))) throw new Error('reasons must be a list of policy ids');
  if (raw.at !== undefined && (typeof raw.at !== 'string' || Number.isNaN(Date.parse(raw.at)))) throw new Error('at must be an ISO 8601 time, e.g. 2026-11-04T09:30:00Z');
  const pAttrs = p.attrs === undefined ? undefined : valueRecord(p.attrs, 'principal.attrs');
  const rAttrs = r.attrs === undefined ? undefined : valueRecord(r.attrs, 'resource.attrs');
  return {
    name: str(raw.name, 'name'),
    principal: { type: oneOf(p.type, PRINCIPALS, 'principal.type'), id: str(p.id, 'principal.id'), team: str(p.team, 'principal.team'), ...(pAttrs ? { attrs: pAttrs } : {}) },
    action: action as PolicyAction,
    resource: { type: oneOf(r.type, RESOURCES, 'resource.type'), id: str(r.id, 'resource.id'), ...(rAttrs ? { attrs: rAttrs } : {}) },
    context: valueRecord(raw.context, 'context'),
    ...(typeof raw.at === 'string' ? { at: raw.at } : {}),
    expect: oneOf(raw.expect, EXPECTATIONS, 'expect'),
    ...(Array.isArray(raw.reasons) ? { reasons: raw.reasons as string[] } : {}),
  };
}

/** A YAML syntax error at its position, first line of the message only. */
function yamlProblem(file: string, err: YAMLError): LoadProblem {
  return { file, ...(err.linePos ? { line: err.linePos[0].line, column: err.linePos[0].col } : {}), message: err.message.split('\n')[0] ?? err.message };
}

function loadTests(file: string, text: string, problems: LoadProblem[]): TestFile | undefined {
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const items: unknown[] = [];
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    const err = d.errors[0];
    if (err) {
      problems.push(yamlProblem(file, err));
      return undefined;
    }
    const value: unknown = d.toJS();
    if (value === null || value === undefined) continue;
    const list = Array.isArray(value) ? value : isRecord(value) && Array.isArray(value.cases) ? value.cases : undefined;
    if (!list) {
      problems.push({ file, message: 'a test file holds a list of cases (or {cases: [...]})' });
      return undefined;
    }
    items.push(...list);
  }
  const cases = items.map((raw, i): LoadedCase => {
    try {
      return { ok: true, testCase: parseCase(raw) };
    } catch (err) {
      const name = isRecord(raw) && typeof raw.name === 'string' ? raw.name : `case #${i + 1}`;
      return { ok: false, name, problem: (err as Error).message };
    }
  });
  return { file, cases };
}

/** Where a block scalar's content starts, so Cedar's line:column can be shown as the YAML file's. */
function blockLocator(node: Scalar, text: string, lines: LineCounter): PolicySource['locate'] {
  const start = node.range?.[0];
  if (start === undefined || (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED')) return () => undefined;
  const header = lines.linePos(start).line;
  const indent = (text.split('\n')[header] ?? '').match(/^ */)?.[0].length ?? 0;
  return (line, column) => ({ line: header + line, column: indent + column });
}

/** A Model of the directory's YAML with the attributes the gateway gives it (so a case about it needs no attrs). */
function modelAttrs(model: Record<string, unknown>, providers: ReadonlyMap<string, string>): Record<string, PolicyValue> {
  const metadata = isRecord(model.metadata) ? model.metadata : {};
  const spec = isRecord(model.spec) ? model.spec : {};
  const labels = isRecord(metadata.labels) ? Object.fromEntries(Object.entries(metadata.labels).map(([k, v]) => [k, String(v)])) : {};
  const deployments = Array.isArray(spec.deployments) ? spec.deployments.map((d) => (isRecord(d) && typeof d.provider === 'string' ? d.provider : '')) : undefined;
  const all = deployments ?? [typeof spec.provider === 'string' ? spec.provider : ''];
  return modelPolicyAttrs({ name: String(metadata.name), labels, providers: all, gpuPool: spec.gpuPool !== undefined }, (p) => providers.get(p) ?? '');
}

interface Catalogue {
  readonly models: Record<string, unknown>[];
  /** Provider name → type. */
  readonly providers: Map<string, string>;
}

function loadPolicyResources(file: string, text: string, out: PolicySource[], problems: LoadProblem[], catalogue: Catalogue): void {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  for (const d of Array.isArray(docs) ? docs : [docs]) {
    const err = d.errors[0];
    if (err) {
      problems.push(yamlProblem(file, err));
      return;
    }
    const value: unknown = d.toJS();
    if (isRecord(value) && value.kind === 'Model' && isRecord(value.metadata) && typeof value.metadata.name === 'string') catalogue.models.push(value);
    if (isRecord(value) && value.kind === 'Provider' && isRecord(value.metadata) && isRecord(value.spec) && typeof value.spec.type === 'string') {
      catalogue.providers.set(String(value.metadata.name), value.spec.type);
    }
    if (!isRecord(value) || value.kind !== 'Policy') continue;
    const name = isRecord(value.metadata) ? value.metadata.name : undefined;
    const spec = isRecord(value.spec) ? value.spec : {};
    if (typeof name !== 'string' || name === '') {
      problems.push({ file, message: 'a Policy needs metadata.name' });
      continue;
    }
    if (typeof spec.policy !== 'string') {
      problems.push({ file, message: `Policy "${name}": spec.policy must be Cedar text` });
      continue;
    }
    const mode = spec.mode ?? 'enforce';
    if (mode !== 'enforce' && mode !== 'dry-run') {
      problems.push({ file, message: `Policy "${name}": spec.mode must be enforce or dry-run (got ${JSON.stringify(mode)})` });
      continue;
    }
    const node = d.getIn(['spec', 'policy'], true);
    const locate = isScalar(node) ? blockLocator(node, text, lines) : () => undefined;
    out.push({ name, text: spec.policy, mode, file, locate });
  }
}

/** Reads `dir` recursively (hidden entries and node_modules skipped), files in sorted path order. */
export function loadPolicyDir(dir: string, display: (path: string) => string): LoadedDir {
  const policies: PolicySource[] = [];
  const testFiles: TestFile[] = [];
  const problems: LoadProblem[] = [];
  const catalogue: Catalogue = { models: [], providers: new Map() };
  for (const path of walk(dir)) {
    const rel = relative(dir, path);
    const file = display(path);
    const ext = extname(path).toLowerCase();
    if (ext !== '.cedar' && !YAML.has(ext)) continue;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.push({ file, message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    if (ext === '.cedar') policies.push({ name: basename(path, extname(path)), text, mode: 'enforce', file, locate: (line, column) => ({ line, column }) });
    else if (isTestFile(rel)) {
      const t = loadTests(file, text, problems);
      if (t) testFiles.push(t);
    } else loadPolicyResources(file, text, policies, problems, catalogue);
  }
  const models = new Map(catalogue.models.map((m) => [String((m.metadata as Record<string, unknown>).name), modelAttrs(m, catalogue.providers)]));
  return { policies, models, testFiles, problems };
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
