import { startSimulatorServer } from '../../providers/simulator/index.js';
import { ArgsError, type ParsedArgs, parseArgs } from '../args.js';

/** `gantry simulator --port 4100 [--host 127.0.0.1] [--instant]`: a standalone OpenAI-compatible upstream. */
export async function simulatorCommand(argv: string[]): Promise<number> {
  const args: ParsedArgs = parseArgs(argv, { flags: ['instant'], options: ['port', 'host'] });
  const port = Number(args.options.port ?? '4100');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgsError('--port must be an integer from 0 to 65535');
  const server = await startSimulatorServer({ host: args.options.host ?? '127.0.0.1', port, instant: args.flags.has('instant') });
  process.stdout.write(`Gantry simulator (OpenAI-compatible) listening on ${server.url}/v1${args.flags.has('instant') ? ' [instant]' : ''}\n`);
  return new Promise<number>((resolve) => {
    const stop = () => server.close().then(() => resolve(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}


