import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArgsError } from './args.js';
import { CliError } from './cli-error.js';
import { cliConfigPath, normalizeServer, readCliConfig } from './cli-config.js';
import type { CliContext } from './context.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:4000';
/** Options every admin verb accepts. */
export const CONNECTION_OPTIONS = ['server', 'token'] as const;
const TIMEOUT_MS = 60_000;

export interface ConnectionFlags {
  readonly server?: string | undefined;
  readonly token?: string | undefined;
}

export interface ResolvedTarget {
  readonly server: string;
  readonly token: string | undefined;
  readonly tokenSource: 'flag' | 'env' | 'config' | 'admin-token file' | 'none';
  /** Set when the stored login for this server has expired (so a 401 can say so). */
  readonly expiredAt: string | undefined;
}

function isLoopback(server: string): boolean {
  try {
    const host = new URL(server).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

function readAdminTokenFile(ctx: CliContext): string | undefined {
  const dir = ctx.env.GANTRY_DATA_DIR && ctx.env.GANTRY_DATA_DIR !== '' ? ctx.env.GANTRY_DATA_DIR : join(ctx.cwd, '.gantry');
  try {
    const token = readFileSync(resolve(ctx.cwd, dir, 'admin-token'), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/**
 * Server: --server > GANTRY_URL > config `current` > http://127.0.0.1:4000. Token: --token >
 * GANTRY_TOKEN > the config's login for that server > the local admin-token file. The file is only
 * used for a loopback server: a local break-glass token must never be sent to some other host.
 */
export function resolveTarget(ctx: CliContext, flags: ConnectionFlags): ResolvedTarget {
  const config = readCliConfig(cliConfigPath(ctx.env));
  const raw = flags.server ?? (ctx.env.GANTRY_URL || undefined) ?? config.current ?? DEFAULT_SERVER;
  const server = normalizeServer(raw);
  if (!/^https?:\/\/[^/]/.test(server)) {
    const message = `the server URL "${raw}" must start with http:// or https://`;
    // A bad --server is a usage error (exit 2); a bad GANTRY_URL or stored server is a setup problem (exit 1).
    throw flags.server !== undefined ? new ArgsError(message) : new CliError(message);
  }
  if (flags.token !== undefined) return { server, token: flags.token, tokenSource: 'flag', expiredAt: undefined };
  if (ctx.env.GANTRY_TOKEN) return { server, token: ctx.env.GANTRY_TOKEN, tokenSource: 'env', expiredAt: undefined };
  const login = config.servers[server];
  if (login?.token) {
    // A stored login is always used, even when it looks expired (the server decides; clocks differ):
    // falling back to the local admin token would silently turn a read-only login into break-glass admin.
    const expires = login.expiresAt === undefined ? Number.NaN : Date.parse(login.expiresAt);
    return { server, token: login.token, tokenSource: 'config', expiredAt: expires <= ctx.now() ? login.expiresAt : undefined };
  }
  const fileToken = isLoopback(server) ? readAdminTokenFile(ctx) : undefined;
  if (fileToken) return { server, token: fileToken, tokenSource: 'admin-token file', expiredAt: undefined };
  return { server, token: undefined, tokenSource: 'none', expiredAt: undefined };
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent as is with its content type (e.g. multi-document YAML). */
  readonly raw?: { readonly contentType: string; readonly text: string };
}

export interface AdminClient {
  readonly target: ResolvedTarget;
  /** Calls `/admin/v1<path>`; resolves with the parsed JSON body, throws CliError on any failure. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
  /** Calls `/admin/v1<path>` and hands back the successful response unread (a streamed download); throws CliError on any failure. */
  download(path: string, options?: Pick<RequestOptions, 'query'> & { readonly accept?: string }): Promise<Response>;
}

function unreachable(server: string, err: unknown): CliError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new CliError(`Gantry at ${server} did not answer within ${TIMEOUT_MS / 1000} s`);
  const why = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
  return new CliError(`cannot reach Gantry at ${server} (${why}). Is it running? Point the CLI at it with --server or GANTRY_URL.`);
}

async function serverError(res: Response, target: ResolvedTarget): Promise<CliError> {
  const text = await res.text().catch(() => '');
  let body: { error?: { message?: unknown; code?: unknown; details?: unknown } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const e = body?.error;
  let message =
    typeof e?.message === 'string' ? e.message : `${target.server} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
  if (res.status === 401) {
    if (target.expiredAt !== undefined) message += ` (your login for ${target.server} expired at ${target.expiredAt}: run \`gantry login\`)`;
    else if (target.tokenSource === 'none') message += ' (no token: run `gantry login`, or set GANTRY_TOKEN)';
  }
  return new CliError(message, {
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(Array.isArray(e?.details) ? { details: e.details as unknown[] } : {}),
    status: res.status,
  });
}

export function createAdminClient(ctx: CliContext, flags: ConnectionFlags): AdminClient {
  const target = resolveTarget(ctx, flags);
  return {
    target,
    async download(path, options = {}) {
      const url = new URL(`${target.server}/admin/v1${path}`);
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { accept: options.accept ?? '*/*' };
      if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
      let res: Response;
      try {
        // No overall timeout: a large export may take longer than a minute to stream.
        res = await ctx.fetch(url, { method: 'GET', headers });
      } catch (err) {
        throw unreachable(target.server, err);
      }
      if (!res.ok) throw await serverError(res, target);
      return res;
    },
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
      const url = new URL(`${target.server}/admin/v1${path}`);
      for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (target.token !== undefined) headers.authorization = `Bearer ${target.token}`;
      let body: string | undefined;
      if (options.raw) {
        headers['content-type'] = options.raw.contentType;
        body = options.raw.text;
      } else if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      }
      let res: Response;
      try {
        res = await ctx.fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(TIMEOUT_MS) });
      } catch (err) {
        throw unreachable(target.server, err);
      }
      if (!res.ok) throw await serverError(res, target);
      const text = await res.text();
      if (text === '') return undefined as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new CliError(`${target.server} answered a body that is not JSON (is this a Gantry server?): ${text.slice(0, 200)}`);
      }
    },
  };
}
