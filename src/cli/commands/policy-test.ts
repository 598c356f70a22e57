import { writeFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { compilePolicyEngine, type PolicyDecision, type PolicyEngine, type PolicyRequest, type PolicyValue, parsePolicyResource, validatePolicyText } from '../../policy/index.js';
import { ArgsError, parseArgs } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Verb } from '../context.js';
import { toJson } from '../output.js';
import { type JunitSuite, junitXml } from './policy-test-junit.js';
import { type Expectation, isDirectory, type LoadProblem, loadPolicyDir, type PolicySource, type TestCase } from './policy-test-load.js';

/** What a case's time defaults to when it gives neither `at` nor hour/weekday: a Wednesday noon, UTC. */
export const DEFAULT_AT = '2026-01-07T12:00:00Z';

/** invoke_model's context as the data plane always fills it (design-9); a case overrides any field. */
function invokeDefaults(at: string): Record<string, PolicyValue> {
  const t = new Date(at);
  return {
    dataClass: 'internal',
    projectedSpendMicros: 0,
    budgetMicros: 0,
    hour: t.getUTCHours(),
    weekday: ((t.getUTCDay() + 6) % 7) + 1, // 1 = Monday … 7 = Sunday
    tags: {},
    tools: false,
    toolNames: [],
    promptTokens: 0,
    stream: false,
  };
}

/**
 * The PolicyRequest a case stands for: entity `name` attributes default to the id, a Model's to its
 * attributes when the directory defines it (attrs given in the case win, one by one); invoke_model's
 * context to the data plane's defaults (`at`, or DEFAULT_AT, gives hour and weekday).
 */
export function requestOf(c: TestCase, models: ReadonlyMap<string, Record<string, PolicyValue>> = new Map()): PolicyRequest {
  const known = c.resource.type === 'Model' ? models.get(c.resource.id) : undefined;
  const context = c.action === 'invoke_model' ? { ...invokeDefaults(c.at ?? DEFAULT_AT), ...c.context } : c.context;
  return {
    principal: { type: c.principal.type, id: c.principal.id, team: c.principal.team, attrs: { name: c.principal.id, ...c.principal.attrs } },
    action: c.action,
    resource: { type: c.resource.type, id: c.resource.id, attrs: { name: c.resource.id, ...known, ...c.resource.attrs } },
    context,
  };
}

function actualOf(d: PolicyDecision): { decision: Expectation; reasons: readonly string[] } {
  if (!d.allowed) return { decision: 'deny', reasons: d.deniedBy };
  if (d.wouldDenyBy.length > 0) return { decision: 'would_deny', reasons: d.wouldDenyBy };
  return { decision: 'allow', reasons: [] };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);
const showReasons = (r: readonly string[]) => (r.length > 0 ? ` [${r.join(', ')}]` : '');

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  readonly expected?: { decision: Expectation; reasons?: readonly string[] };
  readonly actual?: { decision: Expectation; reasons: readonly string[] };
  /** Policies that failed to evaluate on this case (Cedar skips them): usually a missing attribute. */
  readonly errors?: readonly string[];
  /** Why the case could not be run (it is then a failure). */
  readonly problem?: string;
}

export interface FileResult {
  readonly file: string;
  readonly cases: readonly CaseResult[];
}

export function runCase(engine: PolicyEngine, c: TestCase, models?: ReadonlyMap<string, Record<string, PolicyValue>>): CaseResult {
  let decision: PolicyDecision;
  try {
    decision = engine.decide(requestOf(c, models));
  } catch (err) {
    return { name: c.name, passed: false, problem: `the engine could not decide: ${(err as Error).message}` };
  }
  const actual = actualOf(decision);
  const passed = actual.decision === c.expect && (c.reasons === undefined || sameSet(c.reasons, actual.reasons));
  return {
    name: c.name,
    passed,
    expected: { decision: c.expect, ...(c.reasons ? { reasons: c.reasons } : {}) },
    actual,
    ...(decision.errors.length > 0 ? { errors: decision.errors } : {}),
  };
}

interface InvalidPolicy {
  readonly file: string;
  readonly policy: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

const where = (p: { file: string; line?: number | undefined; column?: number | undefined }) => (p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file);

/** Validates every policy (syntax, schema, unique ids across resources); problems positioned in their files. */
export function validatePolicies(policies: readonly PolicySource[]): { invalid: InvalidPolicy[]; ids: number } {
  const invalid: InvalidPolicy[] = [];
  const owner = new Map<string, PolicySource>();
  for (const p of policies) {
    for (const problem of validatePolicyText(p.name, p.text)) {
      const at = problem.line > 0 ? p.locate(problem.line, problem.column) : undefined;
      const hint = problem.help ? ` (hint: ${problem.help})` : '';
      const inText = problem.line > 0 && !at ? ` at line ${problem.line}, column ${problem.column} of spec.policy` : '';
      invalid.push({ file: p.file, policy: problem.policy ?? p.name, ...(at ?? {}), message: `${problem.message}${inText}${hint}` });
    }
    for (const { id } of parsePolicyResource(p.name, p.text).policies) {
      const first = owner.get(id);
      if (first) invalid.push({ file: p.file, policy: id, message: `policy id "${id}" is also used in ${first.file}; ids must be unique (rename the file or resource, or change its @id)` });
      else owner.set(id, p);
    }
  }
  return { invalid, ids: owner.size };
}

function renderTable(ctx: CliContext, files: readonly FileResult[]): void {
  for (const f of files) {
    ctx.out(`${f.file}\n`);
    for (const c of f.cases) {
      ctx.out(`  ${c.passed ? '✓' : '✗'} ${c.name}\n`);
      if (c.problem) ctx.out(`      ${c.problem}\n`);
      else if (!c.passed && c.expected && c.actual) {
        ctx.out(`      expected ${c.expected.decision}${showReasons(c.expected.reasons ?? [])}, got ${c.actual.decision}${showReasons(c.actual.reasons)}\n`);
      }
      // A policy that errors is skipped by Cedar: a pass may then be luck (usually a missing attribute).
      if (c.errors) ctx.out(`      ⚠ failed to evaluate, so skipped: ${c.errors.join(', ')} (a missing attribute in resource.attrs or context?)\n`);
    }
  }
}

function junitSuites(loadProblems: readonly LoadProblem[], invalid: readonly InvalidPolicy[], files: readonly FileResult[]): JunitSuite[] {
  const suites: JunitSuite[] = [];
  const broken = [...loadProblems.map((p) => ({ ...p, policy: p.file })), ...invalid];
  if (broken.length > 0) {
    suites.push({ name: 'policy validation', cases: broken.map((p) => ({ name: `${where(p)} ${p.policy}`, failure: { message: p.message, detail: `${where(p)}: ${p.message}` } })) });
  }
  for (const f of files) {
    suites.push({
      name: f.file,
      cases: f.cases.map((c) => {
        if (c.passed) return { name: c.name };
        const message = c.problem ?? `expected ${c.expected?.decision}${showReasons(c.expected?.reasons ?? [])}, got ${c.actual?.decision}${showReasons(c.actual?.reasons ?? [])}`;
        return { name: c.name, failure: { message, detail: c.errors ? `${message}\npolicies that failed to evaluate: ${c.errors.join(', ')}` : message } };
      }),
    });
  }
  return suites;
}

async function run(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['junit', 'output'], short: { o: 'output' } });
  const [dirArg, ...extra] = args.positionals;
  if (dirArg === undefined) throw new ArgsError('missing <dir>: the directory with the policies and their tests');
  if (extra.length > 0) throw new ArgsError(`unexpected argument "${extra[0]}"`);
  const output = args.options.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new ArgsError(`-o must be table or json (got "${output}")`);
  const dir = resolve(ctx.cwd, dirArg);
  if (!isDirectory(dir)) throw new ArgsError(`${dirArg} is not a directory`);
  const display = (path: string) => {
    const rel = relative(ctx.cwd, path);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? rel : path;
  };

  const loaded = loadPolicyDir(dir, display);
  const { invalid, ids } = validatePolicies(loaded.policies);
  let files: FileResult[] = [];
  const usable = loaded.problems.length === 0 && invalid.length === 0;
  if (usable) {
    let engine: PolicyEngine;
    try {
      engine = compilePolicyEngine(loaded.policies);
    } catch (err) {
      throw new CliError(`the policies in ${dirArg} could not be compiled: ${(err as Error).message}`);
    }
    files = loaded.testFiles.map((t) => ({
      file: t.file,
      cases: t.cases.map((c) => (c.ok ? runCase(engine, c.testCase, loaded.models) : { name: c.name, passed: false, problem: `invalid case: ${c.problem}` })),
    }));
  }
  const passed = files.reduce((n, f) => n + f.cases.filter((c) => c.passed).length, 0);
  const failed = files.reduce((n, f) => n + f.cases.filter((c) => !c.passed).length, 0);
  const noTests = usable && passed + failed === 0;

  if (args.options.junit !== undefined) {
    const path = resolve(ctx.cwd, args.options.junit);
    try {
      writeFileSync(path, junitXml(junitSuites(loaded.problems, invalid, files)));
    } catch (err) {
      throw new CliError(`cannot write the JUnit report to ${args.options.junit}: ${(err as Error).message}`);
    }
  }

  if (output === 'json') {
    ctx.out(toJson({ policies: ids, problems: [...loaded.problems, ...invalid].map((p) => ({ ...p, at: where(p) })), files, passed, failed }));
  } else {
    for (const p of loaded.problems) ctx.out(`✗ ${where(p)}: ${p.message}\n`);
    for (const p of invalid) ctx.out(`✗ ${where(p)}: policy "${p.policy}": ${p.message}\n`);
    if (!usable) ctx.out(`\n${loaded.problems.length + invalid.length} problem${loaded.problems.length + invalid.length === 1 ? '' : 's'} in the policies: no test was run\n`);
    else {
      renderTable(ctx, files);
      ctx.out(`\n${passed} passed, ${failed} failed (${ids} ${ids === 1 ? 'policy' : 'policies'}, ${loaded.testFiles.length} test file${loaded.testFiles.length === 1 ? '' : 's'})\n`);
    }
  }
  if (noTests) ctx.err(`no test cases found in ${dirArg} (write them in *.test.yaml or tests/*.yaml)\n`);
  return usable && failed === 0 && !noTests ? 0 : 1;
}

export const policyVerb: Verb = {
  summary: 'Test Cedar policies offline against YAML test cases',
  help: `Usage: gantry policy test <dir> [--junit <file>] [-o table|json]

Runs the test cases in <dir> against the policies in <dir>, offline (no server needed).
  policies   *.cedar files (a file is one Policy named after it, mode enforce) and Policy resources
             in any other *.yaml (kind: Policy, spec.policy, spec.mode: enforce|dry-run); other kinds
             are ignored, so a gantry.yaml can be tested as is.
  tests      *.test.yaml and tests/*.yaml: a list of cases
               - name: restricted may not use sim-large
                 principal: {type: ApiKey, id: restricted-key, team: restricted}   # User | ApiKey | Agent
                 action: invoke_model                 # call_tool | read_secret | admin_<verb>
                 resource: {type: Model, id: gpt-4o, attrs: {provider: openai, providerType: openai-compatible, selfHosted: false}}
                 context: {dataClass: internal}       # invoke_model: unset fields get the data plane's defaults
                 at: 2026-11-04T09:30:00Z             # optional: sets context.hour and context.weekday (UTC)
                 expect: deny                         # allow | deny | would_deny (a dry-run policy would deny)
                 reasons: [approved-models]           # optional: the deciding policy ids
A Model defined in <dir> (e.g. in gantry.yaml) gets its attributes from there (provider,
providerType, selfHosted, labels); attrs in a case override them one by one. Principals' and
resources' name attribute is their id.
Every policy is validated first (Cedar syntax and the Gantry schema, as on apply); any problem is
printed as file:line:column with Cedar's message and no test is run.

Options:
      --junit <file>       also write a JUnit XML report (one testsuite per test file) for CI
  -o, --output table|json  output format (default table)
Exit codes: 0 all cases passed, 1 a case failed, a policy is invalid or there are no cases, 2 usage error.
`,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'test') return run(rest, ctx);
    if (sub === undefined) throw new ArgsError('missing subcommand: gantry policy test <dir>');
    throw new ArgsError(`unknown subcommand "${sub}" (subcommands: test)`);
  },
};
