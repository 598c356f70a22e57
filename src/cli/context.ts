/**
 * What a CLI verb needs from the outside world, passed in so verbs can be tested without a process:
 * environment, working directory, output streams, fetch and the clock.
 */
export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Writes to stdout (data: tables, YAML, JSON). */
  out(text: string): void;
  /** Writes to stderr (notices and warnings, so `-o json` stays parseable). */
  err(text: string): void;
  readonly fetch: typeof fetch;
  now(): number;
  /** Reads all of stdin (for `-f -`). */
  readStdin(): Promise<string>;
}

export function createProcessContext(): CliContext {
  return {
    env: process.env,
    cwd: process.cwd(),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    fetch: globalThis.fetch,
    now: () => Date.now(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** A `gantry <verb>`: its help text (`gantry <verb> --help`) and its run function (resolves to the exit code). */
export interface Verb {
  readonly summary: string;
  readonly help: string;
  run(argv: string[], ctx: CliContext): Promise<number>;
}
