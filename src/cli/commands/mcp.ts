import { stringify } from 'yaml';
import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import type { Verb } from '../context.js';
import { formatTable, shorten, toJson } from '../output.js';

/** One row of GET /admin/v1/mcpservers/status. */
interface WireMcpStatus {
  readonly name: string;
  readonly transport: string;
  readonly state: string;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly tools: number | null;
  readonly pid: number | null;
}

const FORMATS = ['table', 'json', 'yaml'] as const;
const MAX_ERROR = 80;

export function mcpStatusTable(rows: readonly WireMcpStatus[]): string {
  return formatTable(
    ['NAME', 'TRANSPORT', 'STATE', 'TOOLS', 'RESTARTS', 'PID', 'LAST-ERROR'],
    rows.map((r) => [
      r.name,
      r.transport,
      r.state,
      r.tools === null ? '-' : String(r.tools),
      String(r.restarts),
      r.pid === null ? '-' : String(r.pid),
      r.lastError === null ? '-' : shorten(r.lastError, MAX_ERROR),
    ]),
  );
}

const HELP = `Usage: gantry mcp status [-o table|json|yaml]

Shows each McpServer's upstream as the serving process runs it: transport (http or stdio), state
(connected, connecting, backoff: restarting after a failure, stopped, not_started: its Secret or
setup failed, see LAST-ERROR), tools listed, restarts, the stdio process id and the last error.
HTTP servers connect on first use: until a client lists or calls their tools they show connecting.
The view is per process: with \`gantry start --workers N\` the answer is one worker's.

Options: -o table|json|yaml, --server <url>, --token <token>
`;

export const mcpVerb: Verb = {
  summary: 'Show the state of upstream MCP servers (connected, restarting, errors)',
  help: HELP,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: [], options: ['output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
    const [sub, ...rest] = args.positionals;
    if (sub !== 'status') throw new ArgsError(sub === undefined ? 'missing subcommand (gantry mcp status)' : `unknown subcommand "${sub}" (gantry mcp status)`);
    if (rest.length > 0) throw new ArgsError(`unexpected argument "${rest[0]}"`);
    const output = args.options.output ?? 'table';
    if (!(FORMATS as readonly string[]).includes(output)) throw new ArgsError(`-o must be table, json or yaml (got "${output}")`);
    const client = createAdminClient(ctx, args.options);
    const body = await client.request<{ data: WireMcpStatus[] }>('GET', '/mcpservers/status');
    if (output === 'json') ctx.out(toJson(body.data));
    else if (output === 'yaml') ctx.out(stringify(body.data, { lineWidth: 0 }));
    else if (body.data.length === 0) ctx.err('No McpServers.\n');
    else ctx.out(mcpStatusTable(body.data));
    return 0;
  },
};
