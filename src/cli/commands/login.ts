import { CONNECTION_OPTIONS, createAdminClient, resolveTarget } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import { cliConfigPath, readCliConfig, withLogin, writeCliConfig } from '../cli-config.js';
import type { CliContext, Verb } from '../context.js';
import { describeWhoAmI, type WhoAmI } from './whoami.js';

export const loginVerb: Verb = {
  summary: 'Store a token for a Gantry server (or log in with SSO)',
  help: `Usage:
  gantry login --token <token> [--server <url>]
  gantry login --sso [--server <url>] [--no-browser]

--token   checks the token (GET /admin/v1/whoami) and stores it for the server.
--sso     logs in through the identity provider configured on the server (opens a browser;
          with --no-browser, prints the URL to open).
The server becomes the current one. Logins are kept in $XDG_CONFIG_HOME/gantry/config.json
(default ~/.config/gantry/, readable only by you). "gantry logout" removes one.
`,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: ['sso', 'no-browser'], options: [...CONNECTION_OPTIONS] });
    if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
    const sso = args.flags.has('sso');
    const token = args.options.token;
    if (sso === (token !== undefined)) throw new ArgsError('use either --token <token> or --sso');
    const path = cliConfigPath(ctx.env);
    if (token !== undefined) {
      const client = createAdminClient(ctx, { server: args.options.server, token });
      const me = await client.request<WhoAmI>('GET', '/whoami');
      const expiresAt = me.tokenExpiresAt ?? undefined;
      writeCliConfig(path, withLogin(readCliConfig(path), client.target.server, { token, user: me.user ?? me.actor, ...(expiresAt ? { expiresAt } : {}) }));
      ctx.out(`Logged in to ${client.target.server} as ${describeWhoAmI(me)}`);
      warnIfOverridden(ctx);
      return 0;
    }
    const { server } = resolveTarget(ctx, { server: args.options.server });
    // Loaded only here: the SSO flow pulls in openid-client, which no other verb needs.
    const { ssoLogin } = await import('./login-sso.js');
    const result = await ssoLogin({ server, openBrowser: !args.flags.has('no-browser'), print: (line) => ctx.err(`${line}\n`) });
    writeCliConfig(path, withLogin(readCliConfig(path), server, { token: result.token, user: result.user, expiresAt: result.expiresAt }));
    ctx.out(`Logged in to ${server} as ${result.user} (until ${result.expiresAt})\n`);
    warnIfOverridden(ctx);
    return 0;
  },
};

/** GANTRY_TOKEN wins over a stored login: say so, or the next command surprises the user. */
function warnIfOverridden(ctx: CliContext): void {
  if (ctx.env.GANTRY_TOKEN) ctx.err('note: GANTRY_TOKEN is set in your environment; commands use it instead of this login until you unset it\n');
}
