import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { toJson } from '../output.js';
import { AGENT_FILTERS, agentFilters } from './agents-format.js';

const FORMATS = ['backstage', 'a2a'] as const;

export const EXPORT_USAGE = `       gantry agents card <name>
       gantry agents export <name> [--format backstage|a2a]
       gantry agents export --all [--format backstage|a2a] [--team T] [--lifecycle S] [--model M] [--tool T]`;
export const EXPORT_HELP = `"gantry agents card" prints the agent's A2A agent card (JSON). "gantry agents export" prints
Backstage catalog entities (YAML, the default) or A2A cards (JSON) of one agent, or with --all of
every agent you may read: gantry agents export --all > catalog-info.yaml`;

/** `gantry agents card <name>`: the A2A agent card as JSON. */
export async function runAgentsCard(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: [...CONNECTION_OPTIONS] });
  const [name, extra] = args.positionals;
  if (name === undefined) throw new ArgsError('missing the name of the agent');
  if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
  const card = await createAdminClient(ctx, args.options).request<unknown>('GET', `/agents/${encodeURIComponent(name)}/card`);
  ctx.out(toJson(card));
  return 0;
}

/** `gantry agents export`: one agent or all (--all) as Backstage YAML or A2A JSON, on stdout. */
export async function runAgentsExport(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: ['all'], options: ['format', ...AGENT_FILTERS, ...CONNECTION_OPTIONS] });
  const [name, extra] = args.positionals;
  if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
  const all = args.flags.has('all');
  if (all === (name !== undefined)) throw new ArgsError('name one agent, or use --all for every agent you may read');
  const format = args.options.format ?? 'backstage';
  if (!(FORMATS as readonly string[]).includes(format)) throw new ArgsError(`--format must be backstage or a2a (got "${format}")`);
  const filters = agentFilters(args.options);
  if (!all && Object.keys(filters).length > 0) throw new ArgsError('--team, --lifecycle, --model and --tool go with --all');
  const client = createAdminClient(ctx, args.options);
  if (format === 'a2a') {
    const body = all ? await client.request<unknown>('GET', '/agents/export', { query: { format, ...filters } }) : await client.request<unknown>('GET', `/agents/${encodeURIComponent(name as string)}/card`);
    ctx.out(toJson(body));
    return 0;
  }
  const res = all
    ? await client.download('/agents/export', { query: { format, ...filters }, accept: 'application/yaml' })
    : await client.download(`/agents/${encodeURIComponent(name as string)}/backstage`, { accept: 'application/yaml' });
  const text = await res.text();
  if (text === '') ctx.err('No agents to export.\n');
  ctx.out(text);
  return 0;
}
