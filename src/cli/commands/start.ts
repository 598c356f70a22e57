import { createLogger } from '../../main/logger.js';
import { startGateway } from '../../main/gateway.js';
import { readSettings } from '../../main/settings.js';

function banner(url: string, created: { admin: boolean; demo: boolean }, demoKey: string, adminToken: string, dataDir: string): string {
  const example = (key: string) =>
    `  curl ${url}/v1/chat/completions \\\n` +
    `    -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" \\\n` +
    `    -d '{"model":"sim-small","messages":[{"role":"user","content":"Hello, Gantry!"}]}'`;
  const lines = [`Gantry is listening on ${url}`];
  if (created.admin) lines.push(`Admin token (shown once, saved in ${dataDir}/admin-token): ${adminToken}`);
  if (created.demo) {
    lines.push(`Demo API key (shown once, saved in ${dataDir}/demo-key): ${demoKey}`, 'Try it:', example(demoKey));
  } else {
    lines.push(`Demo API key: in ${dataDir}/demo-key (or GANTRY_DEMO_KEY). Try it:`, example(`$(cat ${dataDir}/demo-key)`));
  }
  return `\n${lines.join('\n')}\n\n`;
}

/** `gantry start`: runs the gateway until SIGTERM/SIGINT, then drains and flushes usage before exiting. */
export async function startCommand(_args: string[]): Promise<number> {
  const settings = readSettings(process.env);
  const logger = createLogger(settings.logLevel);
  const gateway = await startGateway(settings, process.env, logger);
  logger.info({ url: gateway.url, config: gateway.configSource, dataDir: settings.dataDir }, 'gantry started');
  process.stdout.write(
    banner(
      gateway.url,
      { admin: gateway.bootstrap.createdAdminToken, demo: gateway.bootstrap.createdDemoKey },
      gateway.bootstrap.demoKey,
      gateway.bootstrap.adminToken,
      settings.dataDir,
    ),
  );
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
