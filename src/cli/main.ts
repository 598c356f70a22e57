import { isGatewayError } from '../kernel/errors/index.js';
import { ArgsError } from './args.js';
import { CliError, formatCliError } from './cli-error.js';
import { createProcessContext, type Verb } from './context.js';

const HELP = `Usage: gantry <command> [options]

Server:
  start [--workers N|auto]   Run the gateway (reads ./gantry.yaml, or serves the built-in simulator);
                             --workers: N processes on one port (GANTRY_WORKERS)
  simulator [--port 4100] [--host 127.0.0.1] [--instant] [--ttft-ms N] [--tokens-per-second N]
                             Run the simulator as a standalone OpenAI-compatible upstream

Control plane (a client of the admin API):
  apply -f <file|dir>        Create or update resources from YAML/JSON (all or nothing)
  diff -f <file|dir>         Show what apply would change
  get <kind> [name]          List resources or show one (-o table|yaml|json, -l k=v)
  delete <kind> <name>       Delete a resource
  keys create|rotate|revoke  Manage API keys (secrets are shown once)
  secrets create|rotate|rewrap  Store and rotate Secrets (values from a file, env var or stdin)
  agents <action> <name>     Agent lifecycle: approve, activate, suspend, deprecate, retire
  agents inventory|card|export  What agents used (models, tools, spend, drift); A2A card; Backstage YAML
  grants request|approve|revoke|list  Time-bound exceptions (a restricted model for an incident)
  login / logout / whoami    Store a token (or SSO login) for a server; show who you are
  audit verify|list          Check the audit log's hash chain; list entries
  usage [--by team,agent]    Usage and cost per group (--from, --to, filters); usage export: FOCUS CSV
  deployments [--model m]    Deployments of every model: weight, breaker state, latency, failures
  mcp status                 Upstream MCP servers: state, tools, restarts, last error

Offline:
  policy test <dir>          Run Cedar policy test cases (YAML) against the policies in <dir>
                             (--junit <file> for CI; no server needed)

  help                       Show this help; "gantry <command> --help" for a command's options

Client: --server <url> (or GANTRY_URL, or the server of the last login; default http://127.0.0.1:4000)
and --token <token> (or GANTRY_TOKEN, the stored login, or the local .gantry/admin-token).
Server environment: GANTRY_PORT, GANTRY_HOST, GANTRY_DATA_DIR, GANTRY_CONFIG, GANTRY_ADMIN_TOKEN,
GANTRY_DEMO_KEY, GANTRY_LOG_LEVEL, GANTRY_MAX_BODY_BYTES, GANTRY_SHUTDOWN_TIMEOUT_MS (see docs/configuration.md).
Exit codes: 0 ok, 1 failure (invalid resources, refused, server unreachable), 2 usage error.
`;

/** Verbs are loaded on demand: `gantry get` should not pay for loading the whole gateway. */
const VERBS: Record<string, () => Promise<Verb>> = {
  start: async () => {
    const { startCommand } = await import('./commands/start.js');
    return { summary: 'Run the gateway', help: HELP, run: startCommand };
  },
  simulator: async () => {
    const { simulatorCommand } = await import('./commands/simulator.js');
    return {
      summary: 'Run the simulator',
      help: 'Usage: gantry simulator [--port 4100] [--host 127.0.0.1] [--instant] [--ttft-ms N] [--tokens-per-second N]\n',
      run: simulatorCommand,
    };
  },
  apply: async () => (await import('./commands/apply.js')).applyVerb,
  diff: async () => (await import('./commands/diff.js')).diffVerb,
  get: async () => (await import('./commands/get.js')).getVerb,
  delete: async () => (await import('./commands/delete.js')).deleteVerb,
  keys: async () => (await import('./commands/keys.js')).keysVerb,
  secrets: async () => (await import('./commands/secrets.js')).secretsVerb,
  agents: async () => (await import('./commands/agents.js')).agentsVerb,
  grants: async () => (await import('./commands/grants.js')).grantsVerb,
  login: async () => (await import('./commands/login.js')).loginVerb,
  logout: async () => (await import('./commands/logout.js')).logoutVerb,
  whoami: async () => (await import('./commands/whoami.js')).whoamiVerb,
  audit: async () => (await import('./commands/audit.js')).auditVerb,
  usage: async () => (await import('./commands/usage.js')).usageVerb,
  deployments: async () => (await import('./commands/deployments.js')).deploymentsVerb,
  mcp: async () => (await import('./commands/mcp.js')).mcpVerb,
  policy: async () => (await import('./commands/policy-test.js')).policyVerb,
};

function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Exits only once stdout has drained: process.exit would cut a large `get -o yaml` piped elsewhere. */
function exit(code: number): Promise<never> {
  return new Promise<never>(() => {
    process.stdout.write('', () => process.exit(code));
  });
}

/** Exit codes: 0 ok, 1 failure (invalid resources, refused, server unreachable), 2 usage error. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return exit(command ? 0 : 2);
  }
  const load = VERBS[command];
  if (!load) {
    process.stderr.write(`gantry: unknown command "${command}"\n\n${HELP}`);
    return exit(2);
  }
  try {
    const verb = await load();
    if (wantsHelp(rest)) {
      process.stdout.write(verb.help);
      return exit(0);
    }
    return exit(await verb.run(rest, createProcessContext()));
  } catch (err) {
    if (err instanceof ArgsError) {
      process.stderr.write(`gantry ${command}: ${err.message}\nRun "gantry ${command} --help" for usage.\n`);
      return exit(2);
    }
    if (err instanceof CliError) {
      process.stderr.write(formatCliError(err));
      return exit(1);
    }
    const message = isGatewayError(err) ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`gantry ${command}: ${message}\n`);
    return exit(1);
  }
}
