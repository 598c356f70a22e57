import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import type { Verb } from '../context.js';
import { formatTable, toJson } from '../output.js';
import { stringify } from 'yaml';

/** One row of GET /admin/v1/deployments (the fields the table shows; -o json|yaml prints them all). */
interface WireDeployment {
  readonly model: string;
  readonly deployment: string;
  readonly configured: boolean;
  readonly state: string;
  readonly weight: number | null;
  readonly inFlight: number;
  readonly ewmaLatencyMs: number | null;
  readonly ewmaTtftMs: number | null;
  readonly successes: number;
  readonly failures: number;
  readonly lastError: string | null;
}

const FORMATS = ['table', 'json', 'yaml'] as const;
const ms = (v: number | null) => (v === null ? '-' : String(Math.round(v)));

/** kubectl-style table; a deployment no longer configured shows its weight as `removed`. */
export function deploymentsTable(rows: readonly WireDeployment[]): string {
  return formatTable(
    ['MODEL', 'DEPLOYMENT', 'STATE', 'WEIGHT', 'IN-FLIGHT', 'LATENCY(ms)', 'TTFT(ms)', 'OK', 'FAIL', 'LAST-ERROR'],
    rows.map((r) => [
      r.model,
      r.deployment,
      r.state,
      r.configured ? String(r.weight ?? '-') : 'removed',
      String(r.inFlight),
      ms(r.ewmaLatencyMs),
      ms(r.ewmaTtftMs),
      String(r.successes),
      String(r.failures),
      r.lastError ?? '-',
    ]),
  );
}

export const deploymentsVerb: Verb = {
  summary: "Show every model's deployments: weight, circuit breaker state, latency, failures",
  help: `Usage: gantry deployments [--model <name>] [-o table|json|yaml]

Lists the deployments of every model (or one with --model) as the serving process sees them:
circuit breaker state (closed, half_open, open), weight, calls in flight, EWMA latency and time to
first token, successes, failures and the last error code. Health is per process: with
\`gantry start --workers N\` the answer is one worker's (the x-gantry-worker response header).

Options: --model <name>, -o table|json|yaml, --server <url>, --token <token>
`,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: [], options: ['model', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
    if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}" (use --model <name>)`);
    const output = args.options.output ?? 'table';
    if (!(FORMATS as readonly string[]).includes(output)) throw new ArgsError(`-o must be table, json or yaml (got "${output}")`);
    const client = createAdminClient(ctx, args.options);
    const body = await client.request<{ data: WireDeployment[] }>('GET', '/deployments', { query: { model: args.options.model } });
    if (output === 'json') ctx.out(toJson(body.data));
    else if (output === 'yaml') ctx.out(stringify(body.data, { lineWidth: 0 }));
    else if (body.data.length === 0) ctx.err('No deployments.\n');
    else ctx.out(deploymentsTable(body.data));
    return 0;
  },
};
