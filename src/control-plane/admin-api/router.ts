import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../../data-plane/http/read-body.js';
import { GatewayError, toGatewayError } from '../../kernel/errors/index.js';
import type { Logger } from '../../kernel/logger.js';
import type { Actor } from '../rbac/roles.js';
import type { AdminRequest, AdminResponse, AdminRoute } from './types.js';

export const ADMIN_PREFIX = '/admin/v1';
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface AdminRouterDeps {
  readonly routes: readonly AdminRoute[];
  readonly authenticate: (headers: IncomingMessage['headers']) => Actor;
  readonly newId: (prefix: string) => string;
  readonly logger: Logger;
}

interface Compiled {
  readonly route: AdminRoute;
  readonly pattern: RegExp;
  readonly names: string[];
}

function compile(route: AdminRoute): Compiled {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${ADMIN_PREFIX}${source}$`), names };
}

function decodePathSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GatewayError('GW_REQUEST_INVALID', `The path segment "${raw.slice(0, 80)}" is not valid percent-encoding.`);
  }
}

function send(res: ServerResponse, requestId: string, out: AdminResponse): void {
  const text = out.raw ? out.raw.text : JSON.stringify(out.body ?? {});
  res.writeHead(out.status, {
    'content-type': out.raw ? out.raw.contentType : 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-gantry-request-id': requestId,
    ...out.headers,
  });
  res.end(text);
}

/** Writes a streamed body: backpressure honoured, stops when the client goes away. */
async function sendStream(res: ServerResponse, requestId: string, out: AdminResponse & { stream: NonNullable<AdminResponse['stream']> }): Promise<void> {
  const chunks = out.stream.chunks[Symbol.asyncIterator]();
  let next = await chunks.next();
  res.writeHead(out.status, { 'content-type': out.stream.contentType, 'cache-control': 'no-store', 'x-gantry-request-id': requestId, ...out.headers });
  try {
    while (!next.done) {
      if (res.destroyed) return;
      if (!res.write(next.value)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
      next = await chunks.next();
    }
    res.end();
  } finally {
    if (!next.done) await chunks.return?.();
  }
}

/** The admin API router: one route table, token authentication, JSON errors with `details`. */
export function createAdminRouter(deps: AdminRouterDeps) {
  const compiled = deps.routes.map(compile);
  // Counted so a graceful shutdown also waits for admin calls (a key created between commit and
  // response must reach its caller: the secret exists nowhere else).
  let inFlight = 0;

  async function dispatch(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin.local');
    let methodMismatch = false;
    for (const c of compiled) {
      const m = c.pattern.exec(url.pathname);
      if (!m) continue;
      if (c.route.method !== req.method) {
        methodMismatch = true;
        continue;
      }
      const actor = c.route.auth === 'public' ? undefined : deps.authenticate(req.headers);
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => {
        params[n] = decodePathSegment(m[i + 1] as string);
      });
      const body =
        req.method === 'GET' || req.method === 'DELETE'
          ? Buffer.alloc(0)
          : await readBody(req, MAX_BODY_BYTES, `The admin request body is larger than ${MAX_BODY_BYTES} bytes; split the apply into several files.`);
      const adminReq: AdminRequest = { method: c.route.method, url, params, headers: req.headers, body, actor, requestId, sourceIp: req.socket.remoteAddress };
      const out = await c.route.handle(adminReq);
      if (out.stream) return sendStream(res, requestId, { ...out, stream: out.stream });
      return send(res, requestId, out);
    }
    throw new GatewayError('GW_ROUTE_NOT_FOUND', `No such admin endpoint: ${req.method} ${url.pathname}${methodMismatch ? ' (the path exists with another method)' : ''}. See ${ADMIN_PREFIX}/openapi.json.`);
  }

  return {
    inFlight: (): number => inFlight,
    handle(req: IncomingMessage, res: ServerResponse): void {
      const requestId = deps.newId('req_');
      inFlight++;
      res.once('close', () => {
        inFlight--;
      });
      dispatch(req, res, requestId).catch((err: unknown) => {
        const gw = toGatewayError(err);
        if (gw.code === 'GW_INTERNAL') deps.logger.error({ err, requestId }, 'admin request failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        send(res, requestId, {
          status: gw.status,
          body: { error: { message: gw.message, type: gw.type, code: gw.code, param: gw.param ?? null, ...(gw.details ? { details: gw.details } : {}) } },
        });
      });
    },
  };
}
