import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, type ParsedArgs, parseArgs, parseDuration } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Verb } from '../context.js';
import { toJson } from '../output.js';

interface SecretVersion {
  readonly version: number;
  readonly validUntil?: string;
}
interface SecretAnswer {
  readonly metadata: { readonly name: string };
  readonly status?: { readonly currentVersion?: number; readonly versions?: readonly SecretVersion[] };
  readonly rotated?: boolean;
}
interface RewrapAnswer {
  readonly kid: string;
  readonly rewrapped: string[];
  readonly unchanged: number;
  readonly failed: { name: string; message: string }[];
}

const MAX_GRACE_SECONDS = 2_592_000;
const SOURCES = ['from-file', 'from-env', 'from-stdin'] as const;

/** `--grace 0` ends the previous version at once; otherwise a duration like 1h. */
function graceOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = raw.trim() === '0' ? 0 : parseDuration(raw, '--grace');
  if (seconds > MAX_GRACE_SECONDS) throw new ArgsError('--grace can be at most 30d');
  return seconds;
}

/** One trailing newline is dropped (files and `echo` end with one; a key does not). */
const chomp = (text: string) => text.replace(/\r?\n$/, '');

/**
 * The value, from a file, an environment variable of this shell, or stdin: never from an argument,
 * which would stay in the shell history and the process list.
 */
async function readValue(args: ParsedArgs, ctx: CliContext): Promise<string> {
  const given = SOURCES.filter((s) => (s === 'from-stdin' ? args.flags.has(s) : args.options[s] !== undefined));
  if (given.length !== 1) {
    throw new ArgsError('give the value with exactly one of --from-file <file>, --from-env <VAR> or --from-stdin (never as an argument: it would stay in the shell history)');
  }
  let value: string;
  if (given[0] === 'from-file') {
    const path = resolve(ctx.cwd, args.options['from-file'] as string);
    try {
      value = chomp(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new CliError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  } else if (given[0] === 'from-env') {
    const name = args.options['from-env'] as string;
    value = ctx.env[name] ?? '';
    if (value === '') throw new CliError(`environment variable ${name} is not set (or empty) in this shell`);
  } else {
    value = chomp(await ctx.readStdin());
  }
  if (value === '') throw new CliError('the value is empty');
  return value;
}

function nameOf(args: ParsedArgs, what: string): string {
  const [name, extra] = args.positionals;
  if (name === undefined) throw new ArgsError(`missing the name of the Secret to ${what}`);
  if (extra !== undefined) {
    throw new ArgsError(`unexpected argument "${extra.length > 4 ? `${extra.slice(0, 2)}…` : extra}": the value is never an argument; use --from-file, --from-env or --from-stdin`);
  }
  return name;
}

const spec = { flags: ['from-stdin'], options: ['from-file', 'from-env', 'grace', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } } as const;

async function create(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { ...spec, options: [...spec.options, 'description'] });
  const name = nameOf(args, 'create');
  const json = jsonOutput(args.options.output);
  const grace = graceOf(args.options.grace);
  const value = await readValue(args, ctx);
  const body = {
    name,
    value,
    ...(args.options.description !== undefined ? { description: args.options.description } : {}),
    ...(grace !== undefined ? { rotationGraceSeconds: grace } : {}),
  };
  const created = await createAdminClient(ctx, args.options).request<SecretAnswer>('POST', '/secrets', { json: body });
  if (json) ctx.out(toJson(created));
  else ctx.out(`secret/${name} created (version ${created.status?.currentVersion ?? 1}); the value is stored encrypted and never shown again\n`);
  return 0;
}

async function rotate(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, spec);
  const name = nameOf(args, 'rotate');
  const json = jsonOutput(args.options.output);
  const grace = graceOf(args.options.grace);
  const value = await readValue(args, ctx);
  const body = { value, ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}) };
  const rotated = await createAdminClient(ctx, args.options).request<SecretAnswer>('POST', `/secrets/${encodeURIComponent(name)}/rotate`, { json: body });
  if (json) {
    ctx.out(toJson(rotated));
    return 0;
  }
  const current = rotated.status?.currentVersion;
  if (rotated.rotated === false) {
    ctx.out(`secret/${name} unchanged: that value is already the current version (${current ?? '?'})\n`);
    return 0;
  }
  const previous = rotated.status?.versions?.find((v) => v.version !== current && v.validUntil !== undefined);
  const tail = previous ? `; version ${previous.version} stays valid until ${previous.validUntil}` : '; the previous version is no longer valid';
  ctx.out(`secret/${name} rotated to version ${current ?? '?'}${tail}\n`);
  return 0;
}

async function rewrap(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
  const json = jsonOutput(args.options.output);
  const result = await createAdminClient(ctx, args.options).request<RewrapAnswer>('POST', '/secrets/rewrap', { json: {} });
  if (json) ctx.out(toJson(result));
  else {
    ctx.out(`re-wrapped ${result.rewrapped.length} Secret(s) under master key ${result.kid}; ${result.unchanged} already were\n`);
    for (const f of result.failed) ctx.err(`secret/${f.name}: ${f.message}\n`);
  }
  return result.failed.length > 0 ? 1 : 0;
}

const SUBCOMMANDS: Record<string, (argv: string[], ctx: CliContext) => Promise<number>> = { create, rotate, rewrap };

export const secretsVerb: Verb = {
  summary: 'Create and rotate Secrets; re-wrap them under a new master key',
  help: `Usage:
  gantry secrets create <name> (--from-file F | --from-env VAR | --from-stdin)
                        [--description D] [--grace 1h] [-o json]
  gantry secrets rotate <name> (--from-file F | --from-env VAR | --from-stdin) [--grace 1h|0] [-o json]
  gantry secrets rewrap [-o json]

create   stores a new Secret (encrypted with the server's master key); --grace sets how long the
         previous version stays valid after each rotation (rotationGraceSeconds, default 1h).
rotate   gives a Secret a new value; the previous one stays valid for --grace (default: the
         Secret's rotationGraceSeconds; 0 ends it at once). The same value again changes nothing.
rewrap   after the server's master key changed (GANTRY_MASTER_KEY, with the old key in
         GANTRY_MASTER_KEY_PREVIOUS), re-wraps every Secret's data keys under the new key.

The value is never a command-line argument (shell history, process list): --from-file reads a file
(one trailing newline dropped), --from-env a variable of this shell, --from-stdin standard input.
List Secrets (metadata only) with "gantry get secrets". See docs/secrets.md.

Options: --server <url> (Gantry URL), --token <token> (platform admin)
`,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (!run) throw new ArgsError(sub === undefined ? 'missing a subcommand: create, rotate or rewrap' : `unknown subcommand "${sub}": use create, rotate or rewrap`);
    return run(rest, ctx);
  },
};
