import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../../kernel/errors/index.js';
import type { RequestContext } from '../../context.js';
import { sendJson } from '../../http/respond.js';
import type { Route } from '../../routes/route.js';
import { listInputItems, parseInputItemsQuery } from './input-items.js';
import type { RecentResponses } from './recent-responses.js';
import { responseNotFound } from './route.js';

const PREFIX = '/v1/responses/';

/** The id in /v1/responses/{id} and the sub-resource, if any (only GET .../input_items exists). */
function target(req: IncomingMessage, allowInputItems: boolean): { id: string; inputItems: boolean; params: URLSearchParams } {
  const url = new URL(req.url ?? '/', 'http://gantry.local');
  const parts = url.pathname.slice(PREFIX.length).split('/');
  const inputItems = allowInputItems && parts.length === 2 && parts[1] === 'input_items';
  if (parts[0]?.length === 0 || (parts.length > 1 && !inputItems)) {
    throw new GatewayError(
      'GW_ROUTE_NOT_FOUND',
      `No such endpoint: ${req.method} ${url.pathname}. Gantry serves GET and DELETE /v1/responses/{id} and GET /v1/responses/{id}/input_items.`,
    );
  }
  if (url.searchParams.get('stream') === 'true') throw new GatewayError('GW_REQUEST_INVALID', 'Invalid request: stream is not supported when retrieving a response.', { param: 'stream' });
  return { id: decodeURIComponent(parts[0] as string), inputItems, params: url.searchParams };
}

function teamOf(ctx: RequestContext): string {
  const team = ctx.principal?.team;
  if (!team) throw new Error('the responses routes need an authenticated principal');
  return team;
}

/** GET /v1/responses/{id} (a stored response of the caller's team) and GET .../input_items. */
export function createGetResponseRoute(responses: RecentResponses): Route {
  return {
    endpoint: 'responses',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const { id, inputItems, params } = target(req, true);
      const query = inputItems ? parseInputItemsQuery(params) : undefined;
      const record = await responses.get(id, teamOf(ctx));
      if (!record) throw responseNotFound(id);
      ctx.status = 200;
      sendJson(res, 200, JSON.stringify(query ? listInputItems(record, query) : record.response));
    },
  };
}

/** DELETE /v1/responses/{id}: removes a stored response of the caller's team. */
export function createDeleteResponseRoute(responses: RecentResponses): Route {
  return {
    endpoint: 'responses',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const { id } = target(req, false);
      if (!(await responses.delete(id, teamOf(ctx)))) throw responseNotFound(id);
      ctx.status = 200;
      sendJson(res, 200, JSON.stringify({ id, object: 'response', deleted: true }));
    },
  };
}
