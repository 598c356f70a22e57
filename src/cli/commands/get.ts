import { type AdminClient, CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, parseArgs, parsePositiveInt } from '../args.js';
import type { Verb } from '../context.js';
import { formatTable, toJson, toYamlDocuments } from '../output.js';
import { type KindInfo, resolveKind } from '../resource-kinds.js';
import { AGENT_FILTERS, agentFilters, withInventory } from './agents-format.js';

/** A list page; the continuation token is read from the places list APIs commonly put it. */
interface ListPage {
  readonly items?: readonly unknown[];
  readonly continue?: string | null;
  readonly metadata?: { readonly continue?: string | null };
}

const FORMATS = ['table', 'yaml', 'json'] as const;

/** YAML output is for editing and applying back; `status` is server-managed (ignored on apply), so it is left out. */
function withoutStatus(resource: unknown): unknown {
  if (resource === null || typeof resource !== 'object') return resource;
  const { status: _status, ...rest } = resource as Record<string, unknown>;
  return rest;
}

async function listAll(
  client: AdminClient,
  info: KindInfo,
  selector: string | undefined,
  limit: number | undefined,
  filters: Readonly<Record<string, string>> = {},
): Promise<unknown[]> {
  const items: unknown[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await client.request<ListPage>('GET', `/${info.plural}`, { query: { ...filters, labelSelector: selector, limit, continue: token } });
    items.push(...(page.items ?? []));
    const next = page.continue ?? page.metadata?.continue ?? undefined;
    // --limit means "one page of at most N"; otherwise follow the pages to the end. A page may be
    // empty (the server filters out what the caller may not see) and still have a next page.
    if (limit !== undefined || next === undefined || next === null || next === '' || next === token) return items;
    token = next;
  }
}

export const getVerb: Verb = {
  summary: 'List resources, or show one',
  help: `Usage: gantry get <kind> [name] [-l k=v[,k=v]] [-o table|yaml|json] [--limit N]
       gantry get agents [--team T] [--lifecycle S] [--model M] [--tool T]

Kinds: teams, users, apikeys (or keys), secrets, providers, models, routes, agents, budgets, ratelimits, pricebooks,
gpupools (singular or plural).
Lists follow every page unless --limit is given. "-o yaml" prints documents you can edit and apply
back (without the server-managed status; "-o json" includes it).
The agents table adds each agent's last 7 days from the inventory (spend, requests, error rate,
last seen, drift); --model and --tool match what an agent declares (spec.models, spec.tools).

Options:
  -l, --selector k=v[,k=v]   only resources with all these labels
  -o, --output <format>      table (default), yaml or json
      --limit N              at most N resources (one page)
      --team, --lifecycle, --model, --tool   agents only: filter by owner team, lifecycle state,
                             declared model or declared tool
      --server <url>         Gantry URL        --token <token>  admin or user token
`,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: [], options: ['selector', 'output', 'limit', ...AGENT_FILTERS, ...CONNECTION_OPTIONS], short: { l: 'selector', o: 'output' } });
    const [kindArg, name, extra] = args.positionals;
    const info = resolveKind(kindArg);
    if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
    const format = (args.options.output ?? 'table') as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new ArgsError(`-o must be one of ${FORMATS.join(', ')} (got "${format}")`);
    const limit = parsePositiveInt(args.options.limit, '--limit');
    const selector = args.options.selector;
    if (selector !== undefined && !/^[^=,]+=[^=,]*(,[^=,]+=[^=,]*)*$/.test(selector)) {
      throw new ArgsError(`-l must look like key=value[,key2=value2] (got "${selector}")`);
    }
    if (name !== undefined && (selector !== undefined || limit !== undefined)) throw new ArgsError('-l and --limit apply to lists, not to one named resource');
    const filters = agentFilters(args.options);
    if (Object.keys(filters).length > 0 && (info.kind !== 'Agent' || name !== undefined)) {
      throw new ArgsError('--team, --lifecycle, --model and --tool filter lists of agents only');
    }
    const client = createAdminClient(ctx, args.options);
    const items =
      name !== undefined
        ? [await client.request<unknown>('GET', `/${info.plural}/${encodeURIComponent(name)}`)]
        : await listAll(client, info, selector, limit, filters);
    if (format === 'json') ctx.out(toJson(name !== undefined ? items[0] : { apiVersion: 'gantry/v1alpha1', kind: `${info.kind}List`, items }));
    else if (format === 'yaml') ctx.out(toYamlDocuments(items.map(withoutStatus)));
    else if (items.length === 0) ctx.err(`No ${info.plural} found.\n`);
    else {
      const now = ctx.now();
      const rows = info.kind === 'Agent' ? await withInventory(client, items, name, filters.team) : items;
      ctx.out(formatTable(info.columns.map((c) => c.header), rows.map((item) => info.columns.map((c) => c.value(item, now)))));
    }
    return 0;
  },
};
