/** Minimal argument parsing: `--flag`, `--option value`, `--option=value`, positionals. */
export interface ParsedArgs {
  readonly flags: Set<string>;
  readonly options: Record<string, string>;
  readonly positionals: string[];
}

export class ArgsError extends Error {}

export function parseArgs(argv: readonly string[], spec: { flags: string[]; options: string[] }): ParsedArgs {
  const flags = new Set<string>();
  const options: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (spec.flags.includes(name) && eq === -1) flags.add(name);
    else if (spec.options.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new ArgsError(`--${name} needs a value`);
      options[name] = value;
    } else throw new ArgsError(`unknown option --${name}`);
  }
  return { flags, options, positionals };
}
