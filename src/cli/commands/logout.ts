import { resolveTarget } from '../admin-client.js';
import { ArgsError, parseArgs } from '../args.js';
import { cliConfigPath, readCliConfig, withoutLogin, writeCliConfig } from '../cli-config.js';
import type { Verb } from '../context.js';

export const logoutVerb: Verb = {
  summary: 'Forget the stored login for a server',
  help: `Usage: gantry logout [--server <url>]

Removes the token stored for the server (default: the current one) from the CLI config. The token
itself stays valid until it expires; disable the user to stop it at once.
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
    writeCliConfig(path, withoutLogin(config, server));
    ctx.out(`Logged out of ${server}\n`);
    return 0;
  },
};
