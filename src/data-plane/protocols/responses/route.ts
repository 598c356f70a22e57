import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../../kernel/errors/index.js';
import type { ResponseObject } from '../../../kernel/wire/responses.js';
import type { RequestContext } from '../../context.js';
import { parseJsonBody, readBody } from '../../http/read-body.js';
import { type ChatServeDeps, createChatServer } from '../../routes/chat-completions.js';
import type { Route } from '../../routes/route.js';
import type { DriftReporter } from '../../stages/agent-drift.js';
import { type AuthorizeModel, buildOnce, createResolveModel } from '../../stages/resolve-model.js';
import { responsesChatOutput } from './chat-output.js';
import { type NewId, responseShell } from './from-chat.js';
import type { RecentResponses } from './recent-responses.js';
import { inputItems, toChatRequest } from './to-chat.js';
import { validateResponsesRequest } from './validate.js';

export interface ResponsesRouteDeps extends ChatServeDeps {
  readonly maxBodyBytes: number;
  readonly newId: NewId;
  readonly responses: RecentResponses;
  /** How long a stored response lives (GANTRY_RESPONSES_TTL_HOURS). */
  readonly ttlMs: number;
  /** The policy decision (stages/authorize.ts); absent: no policies. */
  readonly authorize?: AuthorizeModel;
  /** Where traffic outside an agent's registration is reported (stages/agent-drift.ts). */
  readonly drift?: DriftReporter;
}

export function responseNotFound(id: string, param?: string): GatewayError {
  return new GatewayError(
    'GW_RESPONSE_NOT_FOUND',
    `No stored response "${id}" for your team: it does not exist, expired, was created with store: false, or belongs to another team.`,
    param ? { param } : undefined,
  );
}

function principalOf(ctx: RequestContext) {
  const p = ctx.principal;
  if (!p) throw new Error('the responses routes need an authenticated principal');
  return p;
}

/**
 * POST /v1/responses: the OpenAI Responses API served by any chat provider. The request becomes a
 * chat request (plus the stored conversation of previous_response_id), goes through the same
 * serveChat as /v1/chat/completions (same metering, cost and headers), and is rendered back as a
 * response object or its typed events; then it is stored for continuation unless `store: false`.
 */
export function createResponsesRoute(deps: ResponsesRouteDeps): Route {
  const resolveModel = createResolveModel(deps.authorize, deps.drift);
  const serveChat = createChatServer(deps);
  return {
    endpoint: 'responses',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const request = validateResponsesRequest(parseJsonBody(await readBody(req, deps.maxBodyBytes)));
      ctx.stream = request.stream === true;
      ctx.requestedModel = request.model;
      const principal = principalOf(ctx);
      const previousId = request.previous_response_id;
      const previous = typeof previousId === 'string' ? await deps.responses.get(previousId, principal.team) : undefined;
      if (typeof previousId === 'string' && !previous) throw responseNotFound(previousId, 'previous_response_id');
      const history = previous?.conversation ?? [];
      // One build for a Route or a policy inside resolveModel and for serving (errors keep their order).
      const toChat = buildOnce(() => toChatRequest(request, history));
      resolveModel(ctx, toChat);
      const chat = toChat();
      const shell = responseShell(request, deps.newId('resp_', 32), ctx.startedAt);
      const onDone = (response: ResponseObject) => {
        if (request.store === false) return;
        deps.responses.save({
          id: response.id,
          team: principal.team,
          keyId: principal.keyId,
          createdAt: ctx.startedAt,
          expiresAt: ctx.startedAt + deps.ttlMs,
          response,
          conversation: [...history, ...inputItems(request), ...response.output],
        });
      };
      await serveChat(ctx, chat, res, responsesChatOutput(shell, deps.newId, onDone));
    },
  };
}
