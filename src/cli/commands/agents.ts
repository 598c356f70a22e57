import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs } from '../args.js';
import type { Verb } from '../context.js';
import { toJson } from '../output.js';

/** CLI verb → lifecycle state (the server checks that the transition is allowed). */
const TRANSITIONS: Record<string, string> = {
  approve: 'approved',
  activate: 'active',
  suspend: 'suspended',
  deprecate: 'deprecated',
  retire: 'retired',
};

export const agentsVerb: Verb = {
  summary: 'Move an agent through its lifecycle',
  help: `Usage: gantry agents approve|activate|suspend|deprecate|retire <name> [--reason R] [-o json]

Lifecycle: proposed → approved → active ⇄ suspended → deprecated → retired. A suspended or retired
agent's requests are refused. The reason is kept in the agent's history and the audit log.
List agents with "gantry get agents".

Options: --reason <text>, -o json, --server <url>, --token <token>
`,
  async run(argv, ctx) {
    const [action, ...rest] = argv;
    const to = action === undefined ? undefined : TRANSITIONS[action];
    if (to === undefined) {
      throw new ArgsError(`${action === undefined ? 'missing' : `unknown action "${action}":`} use one of ${Object.keys(TRANSITIONS).join(', ')}`);
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
