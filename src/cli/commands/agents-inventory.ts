import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { formatTable, lastSeenCell, toJson } from '../output.js';
import {
  driftCell,
  errPercent,
  namesCell,
  spendCell,
  type WireInventory,
  type WireInventoryEntry,
  type WireItemUsage,
} from './agents-format.js';

/** `--days N`: 1–90 (the server refuses more; said here first, as a usage error). */
function parseDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 90) throw new ArgsError(`--days must be a whole number from 1 to 90 (got "${value}")`);
  return n;
}

/** The owning team; for an unregistered agent, the teams whose keys named it. */
const ownerCell = (e: WireInventoryEntry) => e.owner ?? (e.teams.length > 0 ? e.teams.join(',') : '-');

export function inventoryTable(items: readonly WireInventoryEntry[], now: number): string {
  return formatTable(
    ['AGENT', 'REGISTERED', 'OWNER', 'LIFECYCLE', 'MODELS', 'TOOLS', 'SPEND', 'REQUESTS', 'ERR%', 'LAST SEEN', 'DRIFT'],
    items.map((e) => [
      e.name,
      e.registered ? 'yes' : 'no',
      ownerCell(e),
      e.lifecycle ?? '-',
      namesCell(e.models),
      namesCell(e.tools),
      spendCell(e.spendMicros),
      String(e.requests),
      errPercent(e),
      lastSeenCell(e.lastSeen, now),
      driftCell(e.drift),
    ]),
  );
}

/** `yes` when declared, `no` when not, `-` when the agent declares no list (any model its keys allow). */
const declaredCell = (declared: readonly string[] | null, name: string) => (declared === null ? '-' : declared.includes(name) ? 'yes' : 'no');

function usageTable(first: string, items: readonly WireItemUsage[], declared: readonly string[] | null, withServer: boolean): string {
  const headers = [first, ...(withServer ? ['SERVER'] : []), 'REQUESTS', 'ERRORS', 'SPEND', 'DECLARED'];
  return formatTable(
    headers,
    items.map((i) => [i.name, ...(withServer ? [i.server ?? '-'] : []), String(i.requests), String(i.errors), spendCell(i.costMicros), declaredCell(declared, i.name)]),
  );
}

/** One agent: its registration, totals, what it used (against what it declares) and its drift. */
export function inventoryDetail(inv: WireInventory, e: WireInventoryEntry, now: number): string {
  const list = (l: readonly string[] | null) => (l === null ? 'not declared' : l.length === 0 ? 'none' : l.join(', '));
  const lines = [
    `Agent:      ${e.name}${e.registered ? '' : '   (not registered: seen in traffic only)'}`,
    `Owner:      ${ownerCell(e)}`,
    ...(e.registered ? [`Sponsor:    ${e.sponsor ?? '-'}`, `Lifecycle:  ${e.lifecycle ?? '-'}`] : []),
    `Window:     last ${inv.days} days (${inv.from} to ${inv.to})`,
    `Requests:   ${e.requests} (${e.errors} errors, ${errPercent(e)})`,
    `Spend:      ${spendCell(e.spendMicros)} (${e.spendUsd} USD)`,
    `Last seen:  ${lastSeenCell(e.lastSeen, now)}${e.lastSeen ? ` (${e.lastSeen})` : ''}`,
    ...(e.registered ? [`Declared:   models: ${list(e.declared.models)}; tools: ${list(e.declared.tools)}`] : []),
  ];
  let text = `${lines.join('\n')}\n`;
  text += e.models.length > 0 ? `\n${usageTable('MODEL', e.models, e.declared.models, false)}` : '\nNo model calls in the window.\n';
  // An agent without a tools list may call no tool: anything it called is undeclared.
  if (e.tools.length > 0) text += `\n${usageTable('TOOL', e.tools, e.registered ? (e.declared.tools ?? []) : null, true)}`;
  if (e.drift === null) text += '\nDrift: not tracked by this server.\n';
  else if (e.drift.length === 0) text += '\nDrift: none in the window.\n';
  else {
    text += `\n${formatTable(
      ['DRIFT', 'ITEM', 'TEAM', 'COUNT', 'FIRST SEEN', 'LAST SEEN'],
      e.drift.map((d) => [d.kind, d.item ?? '-', d.team, String(d.count), d.firstSeen, d.lastSeen]),
    )}`;
  }
  return text;
}

export const INVENTORY_USAGE = '       gantry agents inventory [name] [--days N] [--team T] [-o json]';
export const INVENTORY_HELP = `"gantry agents inventory" shows what each agent used in the last N days (1-90, default 7): models,
tools, spend, requests, error rate, last seen and drift. Agent names seen in traffic but never
registered show as REGISTERED no (shadow AI). With a name: one agent, its usage against what it
declares.`;

export async function runAgentsInventory(argv: readonly string[], ctx: CliContext): Promise<number> {
  const args = parseArgs(argv, { flags: [], options: ['days', 'team', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
  const [name, extra] = args.positionals;
  if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
  if (name !== undefined && args.options.team !== undefined) throw new ArgsError('--team filters the list; not with an agent name');
  const json = jsonOutput(args.options.output);
  const days = parseDays(args.options.days);
  const client = createAdminClient(ctx, args.options);
  if (name !== undefined) {
    const one = await client.request<WireInventory & { item: WireInventoryEntry }>('GET', `/agents/${encodeURIComponent(name)}/inventory`, { query: { days } });
    ctx.out(json ? toJson(one.item) : inventoryDetail(one, one.item, ctx.now()));
    return 0;
  }
  const inv = await client.request<WireInventory>('GET', '/agents/inventory', { query: { days, team: args.options.team } });
  if (json) {
    ctx.out(toJson(inv));
    return 0;
  }
  if (inv.items.length === 0) ctx.err(`No agents registered or seen in the last ${inv.days} days.\n`);
  else ctx.out(inventoryTable(inv.items, ctx.now()));
  const shadow = inv.items.filter((e) => !e.registered).length;
  if (shadow > 0) ctx.err(`${shadow} agent name(s) seen in traffic are not registered (REGISTERED no): register them or find out who runs them.\n`);
  if (!inv.driftAvailable) ctx.err('Drift is not tracked by this server (DRIFT -).\n');
  if (inv.truncated) ctx.err('The ledger had more rows than one inventory reads: the smallest usage was left out; use --days or --team to narrow.\n');
  return 0;
}
