import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../../kernel/errors/index.js';
import type { RequestContext } from '../../context.js';
import { sendJson } from '../../http/respond.js';
import type { Route } from '../../routes/route.js';
import type { RecentResponses } from './recent-responses.js';
import { responseNotFound } from './route.js';

const PREFIX = '/v1/responses/';

/** The id in /v1/responses/{id}; sub-resources (e.g. /input_items) are not served. */
function idOf(req: IncomingMessage): string {
  const url = new URL(req.url ?? '/', 'http://gantry.local');
  const rest = url.pathname.slice(PREFIX.length);
  if (rest.length === 0 || rest.includes('/')) {
    throw new GatewayError('GW_ROUTE_NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}. Gantry serves GET and DELETE /v1/responses/{id}.`);
  }
  if (url.searchParams.get('stream') === 'true') throw new GatewayError('GW_REQUEST_INVALID', 'Invalid request: stream is not supported when retrieving a response.', { param: 'stream' });
  return decodeURIComponent(rest);
}

function teamOf(ctx: RequestContext): string {
  const team = ctx.principal?.team;
  if (!team) throw new Error('the responses routes need an authenticated principal');
  return team;
}

/** GET /v1/responses/{id}: a stored response of the caller's team. */
export function createGetResponseRoute(responses: RecentResponses): Route {
  return {
    endpoint: 'responses',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const id = idOf(req);
      const record = await responses.get(id, teamOf(ctx));
      if (!record) throw responseNotFound(id);
      ctx.status = 200;
      sendJson(res, 200, JSON.stringify(record.response));
    },
  };
}

/** DELETE /v1/responses/{id}: removes a stored response of the caller's team. */
export function createDeleteResponseRoute(responses: RecentResponses): Route {
  return {
    endpoint: 'responses',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const id = idOf(req);
      if (!(await responses.delete(id, teamOf(ctx)))) throw responseNotFound(id);
      ctx.status = 200;
      sendJson(res, 200, JSON.stringify({ id, object: 'response', deleted: true }));
    },
  };
}
