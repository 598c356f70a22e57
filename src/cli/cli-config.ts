import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './cli-error.js';

/** A stored login for one server. */
export interface ServerLogin {
  readonly token?: string;
  readonly user?: string;
  /** ISO timestamp; absent when the token does not expire (or its expiry is unknown). */
  readonly expiresAt?: string;
}

/** `$XDG_CONFIG_HOME/gantry/config.json`: the current server and one login per server URL. */
export interface CliConfig {
  readonly current?: string;
  readonly servers: Readonly<Record<string, ServerLogin>>;
}

export function cliConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'gantry', 'config.json');
}

/** Server URLs are keys: one spelling per server (no trailing slash). */
export function normalizeServer(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** The config file, or an empty config when there is none yet. */
export function readCliConfig(path: string): CliConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not valid JSON: fix or delete it, then run \`gantry login\` again`);
  }
  const obj = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>;
  const servers = obj.servers !== null && typeof obj.servers === 'object' ? (obj.servers as Record<string, ServerLogin>) : {};
  return { ...(typeof obj.current === 'string' ? { current: obj.current } : {}), servers };
}

/**
 * Writes the config with the directory 0700 and the file 0600 (it holds bearer tokens). The file is
 * written beside and renamed, so a crash never leaves half a config.
 */
export function writeCliConfig(path: string, config: CliConfig): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function withLogin(config: CliConfig, server: string, login: ServerLogin): CliConfig {
  const key = normalizeServer(server);
  return { current: key, servers: { ...config.servers, [key]: login } };
}

export function withoutLogin(config: CliConfig, server: string): CliConfig {
  const key = normalizeServer(server);
  const servers = Object.fromEntries(Object.entries(config.servers).filter(([url]) => url !== key));
  return { ...(config.current !== undefined ? { current: config.current } : {}), servers };
}
