import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constantTimeEqual } from '../../kernel/api-keys.js';
import { GatewayError, toGatewayError } from '../../kernel/errors/index.js';
import { formatMicrosAsUsd } from '../../kernel/money.js';
import type { LedgerStore } from '../../storage/ports/ledger-store.js';

export interface AdminApiDeps {
  readonly adminToken: string;
  readonly ledger: LedgerStore;
  /** Flushes pending usage events so reads see every finished request. */
  readonly flushUsage: () => Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The admin API (minimal for now: usage read-back). Authenticated by the admin token, compared in
 * constant time on digests so neither timing nor length leaks.
 */
export function createAdminApi(deps: AdminApiDeps) {
  const tokenDigest = digest(deps.adminToken);

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const token = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : '';
    if (!token || !constantTimeEqual(digest(token), tokenDigest)) throw new GatewayError('GW_ADMIN_TOKEN_INVALID');
    const key = `${req.method} ${url.pathname}`;
    if (key === 'GET /admin/v1/usage/events') {
      const limitRaw = url.searchParams.get('limit') ?? '100';
      const limit = Number(limitRaw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new GatewayError('GW_REQUEST_INVALID', 'Invalid request: limit must be an integer from 1 to 10000.', { param: 'limit' });
      }
      await deps.flushUsage();
      const requestId = url.searchParams.get('requestId');
      const events = requestId ? [await deps.ledger.get(requestId)].filter(Boolean) : await deps.ledger.recent(limit);
      return send(res, 200, { object: 'list', data: events });
    }
    if (key === 'GET /admin/v1/usage/totals') {
      await deps.flushUsage();
      const totals = await deps.ledger.totals();
      return send(res, 200, { events: totals.events, costMicros: totals.costMicros, costUsd: formatMicrosAsUsd(totals.costMicros) });
    }
    throw new GatewayError('GW_ROUTE_NOT_FOUND', `No such admin endpoint: ${key}.`);
  }

  return {
    handle(req: IncomingMessage, res: ServerResponse): void {
      const url = new URL(req.url ?? '/', 'http://admin.local');
      route(req, res, url).catch((err: unknown) => {
        const gw = toGatewayError(err);
        send(res, gw.status, { error: { message: gw.message, type: gw.type, code: gw.code, param: gw.param ?? null } });
      });
    },
  };
}
