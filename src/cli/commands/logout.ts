import { createAdminClient, resolveTarget } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import { cliConfigPath, readCliConfig, withoutLogin, writeCliConfig } from '../cli-config.js';
import type { Verb } from '../context.js';

export const logoutVerb: Verb = {
  summary: 'Forget the stored login for a server',
  help: `Usage: gantry logout [--server <url>]

Revokes the stored user token on the server (it stops working in every Gantry process within a
second) and removes it from the CLI config. If the server cannot be reached, the local copy is still
removed and the token stays valid until it expires.
`,
  async run(argv, ctx) {
    const args = parseArgs(argv, { flags: [], options: ['server'] });
    if (args.positionals.length > 0) throw new ArgsError(`unexpected argument "${args.positionals[0]}"`);
    const { server } = resolveTarget(ctx, { server: args.options.server, token: '' });
    const path = cliConfigPath(ctx.env);
    const config = readCliConfig(path);
    if (config.servers[server] === undefined) {
      ctx.out(`Not logged in to ${server}\n`);
      return 0;
    }
    try {
      await createAdminClient(ctx, { server, token: config.servers[server]?.token }).request('POST', '/auth/logout');
    } catch (err) {
      ctx.err(`warning: could not revoke the token on ${server} (${err instanceof Error ? err.message : String(err)}); it stays valid until it expires\n`);
    }
    writeCliConfig(path, withoutLogin(config, server));
    ctx.out(`Logged out of ${server}\n`);
    return 0;
  },
};
