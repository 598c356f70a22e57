import type { ServerResponse } from 'node:http';
import { GatewayError } from '../../kernel/errors/index.js';
import type { RequestContext } from '../context.js';
import { sendJson } from '../http/respond.js';
import type { Route } from './route.js';

/** GET /v1/models: pre-rendered in the snapshot, so listing costs one write. */
export function createListModelsRoute(): Route {
  return {
    endpoint: 'models',
    handle(ctx: RequestContext, _req, res: ServerResponse) {
      ctx.status = 200;
      const scope = ctx.principal?.models;
      if (!scope) return sendJson(res, 200, ctx.snapshot.modelListBody);
      // A scoped key sees only the models it may call.
      const all = JSON.parse(ctx.snapshot.modelListBody) as { object: string; data: { id: string }[] };
      sendJson(res, 200, JSON.stringify({ ...all, data: all.data.filter((m) => scope.has(m.id)) }));
    },
  };
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new GatewayError('GW_REQUEST_INVALID', `The model id "${raw.slice(0, 80)}" in the path is not valid percent-encoding.`);
  }
}

/** GET /v1/models/{id}; `idOf` extracts the still-encoded id from the URL. */
export function createGetModelRoute(idOf: (url: string) => string): Route {
  return {
    endpoint: 'models',
    handle(ctx: RequestContext, req, res: ServerResponse) {
      const id = decodeId(idOf(req.url ?? ''));
      const model = ctx.snapshot.models.get(id);
      if (!model) throw new GatewayError('GW_MODEL_NOT_FOUND', `The model "${id}" does not exist. GET /v1/models lists the models you can use.`);
      const scope = ctx.principal?.models;
      if (scope && !scope.has(id)) throw new GatewayError('GW_MODEL_NOT_ALLOWED', `This API key may not use the model "${id}".`);
      ctx.status = 200;
      sendJson(res, 200, JSON.stringify({ id: model.name, object: 'model', created: 0, owned_by: 'gantry' }));
    },
  };
}
