import { startSimulatorServer } from '../../providers/simulator/index.js';
import { ArgsError, type ParsedArgs, parseArgs } from '../args.js';

function optionalNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new ArgsError(`${flag} must be a number >= 0`);
  return n;
}

/**
 * `gantry simulator --port 4100 [--host 127.0.0.1] [--instant] [--ttft-ms N] [--tokens-per-second N]`:
 * a standalone OpenAI-compatible upstream.
 */
export async function simulatorCommand(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, { flags: ['instant'], options: ['port', 'host', 'ttft-ms', 'tokens-per-second'] });
  const port = Number(args.options.port ?? '4100');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgsError('--port must be an integer from 0 to 65535');
  const server = await startSimulatorServer({
    host: args.options.host ?? '127.0.0.1',
    port,
    instant: args.flags.has('instant'),
    ttftMs: optionalNumber(args.options['ttft-ms'], '--ttft-ms'),
    tokensPerSecond: optionalNumber(args.options['tokens-per-second'], '--tokens-per-second'),
  });
  process.stdout.write(`Gantry simulator (OpenAI-compatible) listening on ${server.url}/v1${args.flags.has('instant') ? ' [instant]' : ''}\n`);
  return new Promise<number>((resolve) => {
    const stop = () => server.close().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}


