import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs, parsePositiveInt } from '../args.js';
import type { CliContext } from '../context.js';
import { ageOf, formatTable, toJson } from '../output.js';

/** One finding of GET /admin/v1/agents/drift. */
interface WireDriftFinding {
  readonly agent: string;
  readonly team: string;
  readonly kind: string;
  readonly item: string | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
}

/** kubectl-style table: one line per (agent, kind, item). */
export function driftTable(rows: readonly WireDriftFinding[], now: number): string {
  return formatTable(
    ['AGENT', 'TEAM', 'KIND', 'ITEM', 'COUNT', 'FIRST SEEN', 'LAST SEEN'],
    rows.map((r) => [r.agent, r.team, r.kind, r.item ?? '-', String(r.count), `${ageOf(r.firstSeen, now)} ago`, `${ageOf(r.lastSeen, now)} ago`]),
  );
}

/**
 * `gantry agents drift` (the `agents` verb hands over the arguments after `drift`): unregistered agent
 * names, models and tools outside an agent's declaration, and undeclared function tools offered to a
 * model, seen in the last --days (default 7), newest first. Findings are written every few seconds.
 */
export async function runAgentsDrift(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['days', 'agent', 'team', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}" (use --agent <name>)`);
  const days = parsePositiveInt(args.options.days, '--days');
  if (days !== undefined && days > 366) throw new ArgsError('--days must be at most 366');
  const json = jsonOutput(args.options.output);
  const client = createAdminClient(ctx, args.options);
  const body = await client.request<{ since: string; data: WireDriftFinding[] }>('GET', '/agents/drift', {
    query: { days, agent: args.options.agent, team: args.options.team },
  });
  if (json) ctx.out(toJson(body.data));
  else if (body.data.length === 0) ctx.err(`No agent drift since ${body.since}.\n`);
  else ctx.out(driftTable(body.data, ctx.now()));
  return 0;
}
