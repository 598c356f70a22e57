import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, parseArgs, parsePositiveInt, splitList } from '../args.js';
import { CliError } from '../cli-error.js';
import type { CliContext, Verb } from '../context.js';
import { formatTable, toJson } from '../output.js';

/** The sums of a usage row as the admin API answers them (GET /admin/v1/usage). */
interface WireSums {
  readonly requests: number;
  readonly errors: number;
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: string;
  readonly costPer1kRequestsUsd: string;
  readonly savingsUsd: string;
  /** Absent from servers before cache hits were counted. */
  readonly cacheHits?: number;
}

interface WireUsage {
  readonly from: string;
  readonly to: string;
  readonly groupBy: readonly string[];
  readonly rows: readonly (WireSums & Record<string, unknown>)[];
  readonly truncated: boolean;
  readonly totals: WireSums;
}

/** CLI filter flag → query parameter. */
const FILTERS: Record<string, string> = {
  team: 'team',
  user: 'user',
  'api-key': 'apiKey',
  agent: 'agent',
  workflow: 'workflow',
  repo: 'repo',
  model: 'model',
  provider: 'provider',
  route: 'route',
};

const HEADER_OF: Record<string, string> = { apiKey: 'API KEY' };
const SUM_HEADERS = ['REQUESTS', 'ERRORS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST USD', 'PER 1K REQ USD', 'SAVINGS USD', 'CACHE HITS'];

const sumCells = (s: WireSums) => [
  String(s.requests),
  String(s.errors),
  String(s.inputTokens),
  String(s.outputTokens),
  s.costUsd,
  s.costPer1kRequestsUsd,
  s.savingsUsd,
  String(s.cacheHits ?? 0),
];

/** A table with one line per group and a TOTAL line (hour/day shown as `2026-11-01T09:00Z`). */
export function usageTable(body: WireUsage): string {
  const dims = body.groupBy;
  const cell = (dim: string, v: unknown) => {
    if (v === null || v === undefined) return '-';
    if (typeof v !== 'string') return String(v);
    // An hour keeps its time, midnight too (2026-11-01T00:00Z); a day is a date.
    if (dim === 'hour') return v.replace(/:00\.000Z$/, 'Z');
    if (dim === 'day') return v.replace(/T00:00:00\.000Z$/, '');
    return v;
  };
  const rows = dims.length === 0 ? [] : body.rows.map((r) => [...dims.map((d) => cell(d, r[d])), ...sumCells(r)]);
  const totalLabel = dims.length === 0 ? ['TOTAL'] : ['TOTAL', ...dims.slice(1).map(() => '')];
  const headers = dims.length === 0 ? ['', ...SUM_HEADERS] : [...dims.map((d) => HEADER_OF[d] ?? d.toUpperCase()), ...SUM_HEADERS];
  return formatTable(headers, [...rows, [...totalLabel, ...sumCells(body.totals)]]);
}

async function show(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['by', 'from', 'to', 'limit', 'output', ...Object.keys(FILTERS), ...CONNECTION_OPTIONS], short: { o: 'output' } });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}" (subcommands: export)`);
  const output = args.options.output ?? 'table';
  if (output !== 'table' && output !== 'json') throw new ArgsError(`-o must be table or json (got "${output}")`);
  const by = splitList(args.options.by ?? 'team') ?? [];
  const limit = parsePositiveInt(args.options.limit, '--limit');
  const query: Record<string, string | number | undefined> = { groupBy: by.join(','), from: args.options.from, to: args.options.to, limit };
  for (const [flag, param] of Object.entries(FILTERS)) query[param] = args.options[flag];
  const client = createAdminClient(ctx, args.options);
  const body = await client.request<WireUsage>('GET', '/usage', { query });
  if (output === 'json') {
    ctx.out(toJson(body));
    return 0;
  }
  ctx.err(`Usage from ${body.from} to ${body.to} (whole UTC hours)${body.truncated ? `; only the first ${body.rows.length} groups are shown (--limit), the TOTAL covers all` : ''}\n`);
  ctx.out(usageTable(body));
  return 0;
}

async function exportCsv(argv: string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['format', 'from', 'to', 'team', 'out', ...CONNECTION_OPTIONS] });
  if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
  const format = args.options.format ?? 'focus-csv';
  if (format !== 'focus-csv') throw new ArgsError(`--format must be focus-csv (got "${format}")`);
  const client = createAdminClient(ctx, args.options);
  const res = await client.download('/usage/export', {
    query: { format, from: args.options.from, to: args.options.to, team: args.options.team },
    accept: 'text/csv',
  });
  if (!res.body) throw new CliError(`${client.target.server} answered an empty export`);
  const decoder = new TextDecoder();
  const out = args.options.out;
  if (out === undefined) {
    for await (const chunk of res.body) ctx.out(decoder.decode(chunk as Uint8Array, { stream: true }));
    ctx.out(decoder.decode());
    return 0;
  }
  const path = resolve(ctx.cwd, out);
  // Written aside and renamed once complete: an export cut off mid-way (server or network failure)
  // must not leave a file that looks whole but is missing rows.
  const partial = `${path}.part`;
  const file = createWriteStream(partial, { mode: 0o600 });
  let rows = -1;
  try {
    for await (const chunk of res.body) {
      const bytes = chunk as Uint8Array;
      for (const b of bytes) if (b === 0x0a) rows++;
      if (!file.write(bytes)) await new Promise<void>((r) => file.once('drain', () => r()));
    }
    file.end();
    await finished(file);
    renameSync(partial, path);
  } catch (err) {
    file.destroy();
    rmSync(partial, { force: true });
    throw new CliError(`the export from ${client.target.server} was cut off (${(err as Error).message}); ${path} was not written: try again`);
  }
  ctx.err(`wrote ${Math.max(rows, 0)} FOCUS rows to ${path}\n`);
  return 0;
}

export const usageVerb: Verb = {
  summary: 'Show usage and cost grouped by team, agent, model…; export FOCUS CSV',
  help: `Usage:
  gantry usage [--by team,agent] [--from 2026-11-01] [--to 2026-12-01] [filters] [--limit N] [-o table|json]
  gantry usage export [--format focus-csv] [--from …] [--to …] [--team a,b] [--out file.csv]

usage    sums requests, errors, tokens, cost, cost per 1k requests and routing savings per group,
         answered from hourly rollups. --by: any of team, user, apiKey, agent, workflow, repo, model,
         provider, route, hour, day (default team). --from/--to: ISO 8601 dates or times (UTC when
         no zone is given) or epoch ms; default the last 30 days; widened to whole UTC hours.
         Filters: --team a,b --user --api-key --agent --workflow --repo --model --provider --route.
         Team admins and developers see their own teams only.
export   streams a FOCUS 1.2 CSV (one row per hour, attribution, model and price version) to stdout
         or --out <file>. Its BilledCost column sums to the ledger's cost for the range.

Options: --server <url>, --token <token>
`,
  async run(argv, ctx) {
    if (argv[0] === 'export') return exportCsv(argv.slice(1), ctx);
    return show(argv, ctx);
  },
};
