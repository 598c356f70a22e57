import { announceWorker, isClusterWorker, skipSeedInWorker, startPrimary } from '../../main/cluster.js';
import { type RunningGateway, startGateway } from '../../main/gateway.js';
import { createLogger } from '../../main/logger.js';
import { readSettings, workerCount } from '../../main/settings.js';
import { aggregateMetrics } from '../../telemetry/prometheus/cluster-metrics.js';
import type { Logger } from '../../kernel/logger.js';
import { ArgsError, parseArgs } from '../args.js';

function banner(url: string, created: { admin: boolean; demo: boolean }, demoKey: string | undefined, adminToken: string | undefined, dataDir: string, workers: number): string {
  const example = (key: string) =>
    `  curl ${url}/v1/chat/completions \\\n` +
    `    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\\n` +
    `    -d '{"model":"sim-small","messages":[{"role":"user","content":"Hello, Gantry!"}]}'`;
  const lines = [`Gantry is listening on ${url}`];
  if (workers > 1) lines.push(`Workers: ${workers} processes share this port`);
  if (created.admin && adminToken) lines.push(`Admin token (shown once, saved in ${dataDir}/admin-token): ${adminToken}`);
  if (created.demo && demoKey) {
    lines.push(`Demo API key (shown once, saved in ${dataDir}/demo-key): ${demoKey}`, 'Try it:', example(demoKey));
  } else {
    lines.push(`Demo API key: in ${dataDir}/demo-key (or GANTRY_DEMO_KEY). Try it:`, example(`$(cat ${dataDir}/demo-key)`));
  }
  return `\n${lines.join('\n')}\n\n`;
}

/** Runs until SIGTERM/SIGINT, then drains and flushes usage; resolves with the exit code. */
function serveUntilSignal(gateway: RunningGateway, logger: Logger): Promise<number> {
  return new Promise<number>((resolve) => {
    let stopping = false;
    let exitCode = 0;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: draining in-flight requests');
      gateway.close().then(
        () => {
          logger.info('shutdown complete');
          resolve(exitCode);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    // A stray rejected promise is a bug to log, not a reason to drop every in-flight request.
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled promise rejection (bug): still serving'));
    // After an uncaught exception the process state is unknown: drain, flush usage, exit non-zero.
    process.on('uncaughtException', (err) => {
      logger.error({ err }, 'uncaught exception (bug): draining and exiting');
      exitCode = 1;
      stop('uncaughtException');
    });
  });
}

/**
 * `gantry start [--workers N|auto]`: runs the gateway until SIGTERM/SIGINT. With more than one worker
 * (or GANTRY_WORKERS), this process becomes the cluster primary and the workers run this same
 * command (main/cluster.ts).
 */
export async function startCommand(args: string[]): Promise<number> {
  const parsed = parseArgs(args, { flags: [], options: ['workers'] });
  if (parsed.positionals.length > 0) throw new ArgsError(`unexpected argument "${parsed.positionals[0]}"`);
  const settings = readSettings(process.env);
  const logger = createLogger(settings.logLevel);

  if (isClusterWorker()) {
    const workerLogger = logger.child({ pid: process.pid });
    const gateway = await startGateway(settings, process.env, workerLogger, { skipSeed: skipSeedInWorker(process.env), clusterMetrics: true });
    announceWorker(gateway);
    return serveUntilSignal(gateway, workerLogger);
  }

  let workers = settings.workers;
  if (parsed.options.workers !== undefined) {
    try {
      workers = workerCount(parsed.options.workers, '--workers');
    } catch (err) {
      throw new ArgsError((err as Error).message);
    }
  }
  if (workers > 1) {
    const primary = startPrimary({
      workers,
      logger: logger.child({ role: 'primary' }),
      shutdownTimeoutMs: settings.shutdownTimeoutMs,
      aggregateMetrics,
      onReady: (ready, pids) => {
        logger.info({ url: ready.url, config: ready.configSource, dataDir: settings.dataDir, workers: pids }, 'gantry started');
        process.stdout.write(
          banner(ready.url, { admin: ready.createdAdminToken, demo: ready.createdDemoKey }, ready.demoKey, ready.adminToken, settings.dataDir, workers),
        );
      },
    });
    process.on('SIGTERM', () => primary.stop('SIGTERM'));
    process.on('SIGINT', () => primary.stop('SIGINT'));
    return primary.exited;
  }

  const gateway = await startGateway(settings, process.env, logger);
  logger.info({ url: gateway.url, config: gateway.configSource, dataDir: settings.dataDir }, 'gantry started');
  process.stdout.write(
    banner(
      gateway.url,
      { admin: gateway.bootstrap.createdAdminToken, demo: gateway.bootstrap.createdDemoKey },
      gateway.bootstrap.demoKey,
      gateway.bootstrap.adminToken,
      settings.dataDir,
      1,
    ),
  );
  return serveUntilSignal(gateway, logger);
}
