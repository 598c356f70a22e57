import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../../context.js';
import { parseJsonBody, readBody } from '../../http/read-body.js';
import { type ChatServeDeps, createChatServer } from '../../routes/chat-completions.js';
import type { Route } from '../../routes/route.js';
import type { CompiledModel, RuntimeSnapshot } from '../../snapshot.js';
import type { DriftReporter } from '../../stages/agent-drift.js';
import { type AuthorizeModel, createResolveModel } from '../../stages/resolve-model.js';
import { anthropicErrorBody } from './errors.js';
import { anthropicChatOutput } from './stream-output.js';
import { toChatRequest } from './to-chat.js';
import { validateMessagesRequest } from './validate.js';

/**
 * `POST /v1/messages`: the Anthropic Messages API, served by any chat deployment. The request is
 * translated into the internal OpenAI chat shape and goes through the same chat server as
 * /v1/chat/completions (same provider call, usage, cost and ledger event, endpoint "messages");
 * only the wire format in and out differs. `anthropic-version` and `anthropic-beta` headers are
 * accepted and ignored: Gantry speaks one version of the format (docs/protocols.md).
 */
export function createMessagesRoute(deps: ChatServeDeps & { readonly maxBodyBytes: number; readonly authorize?: AuthorizeModel; readonly drift?: DriftReporter }): Route {
  const resolveModel = createResolveModel(deps.authorize, deps.drift);
  const serveChat = createChatServer(deps);
  return {
    endpoint: 'messages',
    errorBody: anthropicErrorBody,
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const request = validateMessagesRequest(parseJsonBody(await readBody(req, deps.maxBodyBytes)));
      ctx.stream = request.stream === true;
      ctx.requestedModel = request.model;
      // A Route decides on the request as chat (native: nothing refused before the model is known).
      resolveModel(ctx, () => toChatRequest(request, { native: true }));
      const chat = toChatRequest(request, { native: ctx.model !== undefined && servedOnlyByAnthropic(ctx.model, ctx.snapshot) });
      await serveChat(ctx, chat, res, anthropicChatOutput({ model: request.model, stopSequences: request.stop_sequences }));
    },
  };
}

/**
 * Anthropic-only fields (cache_control, thinking, prefill) are kept only when whichever deployment
 * serves — the strategy may pick any of the model's, and failover may reach its fallback models' —
 * is an Anthropic upstream; another would refuse them or answer a prefill afresh.
 */
function servedOnlyByAnthropic(model: CompiledModel, snapshot: RuntimeSnapshot): boolean {
  const models = [model];
  for (const name of model.routing.fallbacks) {
    const m = snapshot.models.get(name);
    if (m && m.type === model.type) models.push(m);
  }
  return models.every((m) => m.deployments.every((d) => d.provider.type === 'anthropic'));
}
