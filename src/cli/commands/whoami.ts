import { CONNECTION_OPTIONS, createAdminClient } from '../admin-client.js';
import { ArgsError, jsonOutput, parseArgs } from '../args.js';
import type { Verb } from '../context.js';
import { toJson } from '../output.js';

/** `GET /admin/v1/whoami`. */
export interface WhoAmI {
  readonly actor: string;
  readonly user?: string | null;
  readonly platformRoles?: readonly string[];
  readonly teams?: readonly { readonly team: string; readonly role: string }[];
  /** When the presented user token expires (absent for the admin token). */
  readonly tokenExpiresAt?: string | null;
}

export function describeWhoAmI(w: WhoAmI): string {
  const roles = w.platformRoles && w.platformRoles.length > 0 ? w.platformRoles.join(', ') : 'none';
  const teams = w.teams && w.teams.length > 0 ? w.teams.map((t) => `${t.team} (${t.role})`).join(', ') : 'none';
  return `${w.actor}\n  platform roles: ${roles}\n  teams: ${teams}\n`;
}

export const whoamiVerb: Verb = {
  summary: 'Show who the CLI is logged in as, and the roles that gives',
  help: `Usage: gantry whoami [-o json]

Options: -o json, --server <url>, --token <token>
`,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: [], options: ['output', ...CONNECTION_OPTIONS], short: { o: 'output' } });
    if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
    const json = jsonOutput(args.options.output);
    const client = createAdminClient(ctx, args.options);
    const me = await client.request<WhoAmI>('GET', '/whoami');
    if (json) ctx.out(toJson(me));
    else ctx.out(`${client.target.server}: ${describeWhoAmI(me)}`);
    return 0;
  },
};
