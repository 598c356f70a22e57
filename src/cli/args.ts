/**
 * Minimal argument parsing: `--flag`, `--option value`, `--option=value`, short options (`-f value`,
 * `-fvalue`), repeated options (`-f a -f b`) and positionals. `--` ends the options.
 */
export interface ParsedArgs {
  readonly flags: Set<string>;
  /** The last value of each option. */
  readonly options: Record<string, string>;
  /** Every value of the options listed in `spec.repeated`, in order. */
  readonly lists: Record<string, string[]>;
  readonly positionals: string[];
}

export interface ArgsSpec {
  readonly flags: readonly string[];
  readonly options: readonly string[];
  /** Single letter → long name (a flag or an option), e.g. `{ f: 'file', o: 'output' }`. */
  readonly short?: Readonly<Record<string, string>>;
  /** Options that may be given several times (their values are collected in `lists`). */
  readonly repeated?: readonly string[];
}

/** A usage error: the CLI exits with code 2. */
export class ArgsError extends Error {}

export function parseArgs(argv: readonly string[], spec: ArgsSpec): ParsedArgs {
  const flags = new Set<string>();
  const options: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  const positionals: string[] = [];
  const setOption = (name: string, value: string) => {
    options[name] = value;
    if (spec.repeated?.includes(name)) lists[name] = [...(lists[name] ?? []), value];
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      if (spec.flags.includes(name) && eq === -1) flags.add(name);
      else if (spec.options.includes(name)) {
        const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
        if (value === undefined) throw new ArgsError(`--${name} needs a value`);
        setOption(name, value);
      } else throw new ArgsError(`unknown option --${name}`);
      continue;
    }
    // A lone `-` is a positional (conventionally stdin); so is anything not starting with `-`.
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const letter = arg.slice(1, 2);
    const name = spec.short?.[letter];
    if (name === undefined) throw new ArgsError(`unknown option -${letter}`);
    if (spec.flags.includes(name)) {
      if (arg.length > 2) throw new ArgsError(`-${letter} takes no value`);
      flags.add(name);
    } else {
      const value = arg.length > 2 ? arg.slice(2) : argv[++i];
      if (value === undefined) throw new ArgsError(`-${letter} (--${name}) needs a value`);
      setOption(name, value);
    }
  }
  return { flags, options, lists, positionals };
}

/** Parses `30d`, `12h`, `15m`, `90s`, `2w` into seconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (!m) throw new ArgsError(`${flag} must be a duration like 30d, 12h, 15m or 90s (got "${value}")`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  const seconds = Number(m[1]) * unit;
  if (seconds <= 0) throw new ArgsError(`${flag} must be more than zero`);
  return seconds;
}

/** Parses a positive integer option (e.g. --limit). */
export function parsePositiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ArgsError(`${flag} must be a whole number >= 1 (got "${value}")`);
  return n;
}

/** `a,b , c` → ['a', 'b', 'c']. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Verbs whose only alternative output is JSON: true for `-o json`, a usage error for anything else. */
export function jsonOutput(output: string | undefined): boolean {
  if (output === undefined) return false;
  if (output !== 'json') throw new ArgsError(`-o must be json (got "${output}")`);
  return true;
}
