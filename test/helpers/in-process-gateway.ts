import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/kernel/logger.js';
import { type RunningGateway, startGateway } from '../../src/main/gateway.js';
import { readSettings } from '../../src/main/settings.js';

/** Team "default" and the simulator Provider: the first documents of most in-process gateway configs. */
export const DEFAULT_TEAM_AND_SIMULATOR_YAML = `
apiVersion: gantry/v1alpha1
kind: Team
metadata: {name: default}
spec: {}
---
apiVersion: gantry/v1alpha1
kind: Provider
metadata: {name: simulator}
spec: {type: simulator}
`;

export interface InProcessGatewayOptions {
  /** The gantry.yaml. */
  readonly config: string;
  /** GANTRY_DEMO_KEY. */
  readonly key: string;
  /** GANTRY_ADMIN_TOKEN. */
  readonly adminToken: string;
  /** More environment (it wins over the defaults). */
  readonly env?: Record<string, string>;
}

/**
 * Starts the real gateway in this process: real HTTP on a free port, a fresh data directory (SQLite)
 * holding `config` as gantry.yaml, silent logs. `dir` is that data directory.
 */
export async function startInProcessGateway(options: InProcessGatewayOptions): Promise<{ gateway: RunningGateway; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-in-process-'));
  writeFileSync(join(dir, 'gantry.yaml'), options.config);
  const env = {
    GANTRY_PORT: '0',
    GANTRY_HOST: '127.0.0.1',
    GANTRY_DATA_DIR: dir,
    GANTRY_CONFIG: join(dir, 'gantry.yaml'),
    GANTRY_DEMO_KEY: options.key,
    GANTRY_ADMIN_TOKEN: options.adminToken,
    GANTRY_LOG_LEVEL: 'silent',
    ...options.env,
  };
  return { gateway: await startGateway(readSettings(env), env, silentLogger), dir };
}
