import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseUsdToMicros } from '../kernel/money.js';

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
  /** Gateway processes on this host (node:cluster); 1 = today's single process. */
  readonly workers: number;
  /** Where alerts are POSTed (undefined: no webhook; alerts still reach metrics and the audit log). */
  readonly alertWebhook: AlertWebhookSettings | undefined;
  readonly anomaly: AnomalySettings;
}

export interface AlertWebhookSettings {
  /** http(s) URL. Its path and query may hold a secret (Slack): never log more than its origin. */
  readonly url: string;
  /** HMAC-SHA256 key of the x-gantry-signature header (optional only for the slack format). */
  readonly secret: string | undefined;
  readonly format: 'gantry' | 'slack';
}

export interface AnomalySettings {
  /** How often the spend-anomaly detector runs; 0 turns it off. */
  readonly intervalMs: number;
  /** Alert when today's spend > factor × the trailing 7-day daily average. */
  readonly factor: number;
  /** …and today's spend is at least this much (micro-USD). */
  readonly minMicros: number;
}

/** An integer setting in [min, max]; a bad value stops the start naming the variable. */
export function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
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
    workers: workerCount(env.GANTRY_WORKERS, 'GANTRY_WORKERS'),
    alertWebhook: alertWebhook(env),
    anomaly: {
      intervalMs: int(env, 'GANTRY_ANOMALY_INTERVAL_MS', 300_000, 0, 86_400_000),
      factor: anomalyFactor(env.GANTRY_ANOMALY_FACTOR),
      minMicros: usd(env.GANTRY_ANOMALY_MIN_USD, 'GANTRY_ANOMALY_MIN_USD', '1.00'),
    },
  };
}

/** `--workers` / GANTRY_WORKERS: an integer from 1 to 256, or `auto` (one per CPU). */
export function workerCount(raw: string | undefined, name: string): number {
  if (raw === undefined || raw === '') return 1;
  if (raw === 'auto') return Math.max(1, availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`${name} must be an integer from 1 to 256, or "auto" (one per CPU); got "${raw}"`);
  return n;
}

function alertWebhook(env: NodeJS.ProcessEnv): AlertWebhookSettings | undefined {
  const url = env.GANTRY_ALERT_WEBHOOK_URL;
  const format = env.GANTRY_ALERT_WEBHOOK_FORMAT || 'gantry';
  if (format !== 'gantry' && format !== 'slack') throw new Error(`GANTRY_ALERT_WEBHOOK_FORMAT must be gantry or slack; got "${format}"`);
  const secret = env.GANTRY_ALERT_WEBHOOK_SECRET || undefined;
  if (!url) {
    if (secret) throw new Error('GANTRY_ALERT_WEBHOOK_SECRET is set but GANTRY_ALERT_WEBHOOK_URL is not: set the URL alerts are sent to, or unset the secret.');
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  // The URL itself is never echoed: its path or query may carry a token (Slack incoming webhooks).
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new Error('GANTRY_ALERT_WEBHOOK_URL must be an http:// or https:// URL.');
  if (format === 'gantry' && !secret) {
    throw new Error('GANTRY_ALERT_WEBHOOK_SECRET is required with GANTRY_ALERT_WEBHOOK_URL: receivers verify the x-gantry-signature header with it (e.g. `openssl rand -hex 32`). Only GANTRY_ALERT_WEBHOOK_FORMAT=slack may go without one.');
  }
  return { url, secret, format };
}

function anomalyFactor(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 3;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 1) || n > 1000) throw new Error(`GANTRY_ANOMALY_FACTOR must be a number above 1 (e.g. 3 or 2.5); got "${raw}"`);
  return n;
}

function usd(raw: string | undefined, name: string, fallback: string): number {
  const micros = parseUsdToMicros(raw === undefined || raw === '' ? fallback : raw);
  if (micros === undefined) throw new Error(`${name} must be a decimal USD amount such as "1.00"; got "${raw}"`);
  return micros;
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
