import { resolve } from 'node:path';

/** Process settings from the environment (DESIGN.md §1). Invalid values stop the start with a clear message. */
export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Path of gantry.yaml; `explicit` when GANTRY_CONFIG named it (then it must exist). */
  readonly configPath: string;
  readonly configExplicit: boolean;
  readonly adminToken: string | undefined;
  readonly demoKey: string | undefined;
  readonly keyHashSecret: string | undefined;
  readonly maxBodyBytes: number;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
  readonly usageFlushMs: number;
  /** How long stored /v1/responses responses are kept (previous_response_id, GET). */
  readonly responsesTtlHours: number;
  /** Postgres URL for resources and audit (unset: the embedded SQLite file in the data directory). */
  readonly databaseUrl: string | undefined;
  /** Postgres schema (default public): several Gantry installations can share one database. */
  readonly databaseSchema: string | undefined;
  /** How often a process checks the store for changes made by other processes (SQLite; Postgres also pushes). */
  readonly snapshotPollMs: number;
  /** How old the snapshot may get (store unreachable) before /readyz says not ready. */
  readonly snapshotMaxStaleMs: number;
  /** How often last-used times of keys and last-seen times of agents are written (batched). */
  readonly activityFlushMs: number;
  /** External URL of this Gantry (SSO redirect URLs); defaults to the listen URL. */
  readonly publicUrl: string | undefined;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
  return n;
}

export function readSettings(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): Settings {
  const level = env.GANTRY_LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    throw new Error(`GANTRY_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${level}"`);
  }
  return {
    host: env.GANTRY_HOST || '127.0.0.1',
    port: int(env, 'GANTRY_PORT', 4000, 0, 65535),
    dataDir: resolve(cwd, env.GANTRY_DATA_DIR || '.gantry'),
    configPath: resolve(cwd, env.GANTRY_CONFIG || 'gantry.yaml'),
    configExplicit: Boolean(env.GANTRY_CONFIG),
    adminToken: env.GANTRY_ADMIN_TOKEN || undefined,
    demoKey: env.GANTRY_DEMO_KEY || undefined,
    keyHashSecret: env.GANTRY_KEY_HASH_SECRET || undefined,
    maxBodyBytes: int(env, 'GANTRY_MAX_BODY_BYTES', 4 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    logLevel: level,
    shutdownTimeoutMs: int(env, 'GANTRY_SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    usageFlushMs: int(env, 'GANTRY_USAGE_FLUSH_MS', 200, 10, 60_000),
    responsesTtlHours: int(env, 'GANTRY_RESPONSES_TTL_HOURS', 30 * 24, 1, 10 * 365 * 24),
    databaseUrl: databaseUrl(env.GANTRY_DATABASE_URL),
    databaseSchema: schemaName(env.GANTRY_DATABASE_SCHEMA),
    snapshotPollMs: int(env, 'GANTRY_SNAPSHOT_POLL_MS', 250, 20, 60_000),
    snapshotMaxStaleMs: int(env, 'GANTRY_SNAPSHOT_MAX_STALE_MS', 300_000, 1_000, 86_400_000),
    activityFlushMs: int(env, 'GANTRY_ACTIVITY_FLUSH_MS', 5_000, 50, 3_600_000),
    publicUrl: env.GANTRY_PUBLIC_URL ? env.GANTRY_PUBLIC_URL.replace(/\/+$/, '') : undefined,
  };
}

function databaseUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error('GANTRY_DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite database)');
  return raw;
}

function schemaName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new Error(`GANTRY_DATABASE_SCHEMA must be a lower-case SQL identifier; got "${raw}"`);
  return raw;
}
