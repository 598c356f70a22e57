import { isGatewayError } from '../kernel/errors/index.js';
import { ArgsError } from './args.js';
import { simulatorCommand } from './commands/simulator.js';
import { startCommand } from './commands/start.js';

const HELP = `Usage: gantry <command> [options]

Commands:
  start                      Run the gateway (reads ./gantry.yaml, or serves the built-in simulator)
  simulator [--port 4100] [--host 127.0.0.1] [--instant] [--ttft-ms N] [--tokens-per-second N]
                             Run the simulator as a standalone OpenAI-compatible upstream
  help                       Show this help

Environment: GANTRY_PORT, GANTRY_HOST, GANTRY_DATA_DIR, GANTRY_CONFIG, GANTRY_ADMIN_TOKEN,
GANTRY_DEMO_KEY, GANTRY_LOG_LEVEL, GANTRY_MAX_BODY_BYTES, GANTRY_SHUTDOWN_TIMEOUT_MS (see docs/configuration.md).
`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  start: startCommand,
  simulator: simulatorCommand,
};

/** Exit codes: 0 ok, 1 failure (invalid configuration, start failure), 2 usage error. */
export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    process.exit(command ? 0 : 2);
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`gantry: unknown command "${command}"\n\n${HELP}`);
    process.exit(2);
  }
  try {
    process.exit(await run(rest));
  } catch (err) {
    if (err instanceof ArgsError) {
      process.stderr.write(`gantry ${command}: ${err.message}\n`);
      process.exit(2);
    }
    const message = isGatewayError(err) ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`gantry ${command}: ${message}\n`);
    process.exit(1);
  }
}
