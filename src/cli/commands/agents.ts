import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs } from '../args.js';
import type { Verb } from '../context.js';
import { toJson } from '../output.js';
import { runAgentsDrift } from './agents-drift.js';
import { EXPORT_HELP, EXPORT_USAGE, runAgentsCard, runAgentsExport } from './agents-export.js';
import { INVENTORY_HELP, INVENTORY_USAGE, runAgentsInventory } from './agents-inventory.js';

/** CLI verb → lifecycle state (the server checks that the transition is allowed). */
const TRANSITIONS: Record<string, string> = {
  approve: 'approved',
  activate: 'active',
  suspend: 'suspended',
  deprecate: 'deprecated',
  retire: 'retired',
};

export const agentsVerb: Verb = {
  summary: 'Agent registry: lifecycle, inventory, drift, A2A card and Backstage export',
  help: `Usage: gantry agents approve|activate|suspend|deprecate|retire <name> [--reason R] [-o json]
       gantry agents drift [--days N] [--agent A] [--team T] [-o json]
${INVENTORY_USAGE}
${EXPORT_USAGE}

Lifecycle: proposed → approved → active ⇄ suspended → deprecated → retired. A suspended or retired
agent's requests are refused. The reason is kept in the agent's history and the audit log.
List agents with "gantry get agents". "gantry agents drift" lists traffic outside agents'
registrations over the last N days (default 7): unregistered agent names, models and tools outside
an agent's declaration (docs/agents.md#drift-detection).

${INVENTORY_HELP}

${EXPORT_HELP}

Options: --reason <text>, -o json, --server <url>, --token <token> (see docs/agents.md)
`,
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    if (action === 'drift') return runAgentsDrift(rest, ctx);
    if (action === 'inventory') return runAgentsInventory(rest, ctx);
    if (action === 'card') return runAgentsCard(rest, ctx);
    if (action === 'export') return runAgentsExport(rest, ctx);
    const to = action === undefined ? undefined : TRANSITIONS[action];
    if (to === undefined) {
      throw new ArgsError(`${action === undefined ? 'missing' : `unknown action "${action}":`} use one of ${[...Object.keys(TRANSITIONS), 'inventory', 'card', 'export', 'drift'].join(', ')}`);
    }
    const args = parseArgs(rest, { flags: [], options: ['reason', 'output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
    const [name, extra] = args.positionals;
    if (name === undefined) throw new ArgsError(`missing the name of the agent to ${action}`);
    if (extra !== undefined) throw new ArgsError(`unexpected argument "${extra}"`);
    const json = jsonOutput(args.options.output);
    const client = createAdminClient(ctx, args.options);
    const resource = await client.request<unknown>('POST', `/agents/${encodeURIComponent(name)}/lifecycle`, {
      json: { to, ...(args.options.reason !== undefined ? { reason: args.options.reason } : {}) },
    });
    if (json) ctx.out(toJson(resource));
    else ctx.out(`agent/${name} is now ${to}\n`);
    return 0;
  },
};
