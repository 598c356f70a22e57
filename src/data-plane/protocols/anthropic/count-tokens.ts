import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../../../kernel/errors/index.js';
import { loadTokenizer } from '../../../kernel/tokens.js';
import type { RequestContext } from '../../context.js';
import { parseJsonBody, readBody } from '../../http/read-body.js';
import { sendJson } from '../../http/respond.js';
import type { Route } from '../../routes/route.js';
import { anthropicErrorBody } from './errors.js';
import { translateMessages, translateTools } from './to-chat.js';
import { validateCountTokensRequest } from './validate.js';

/**
 * `POST /v1/messages/count_tokens` → `{"input_tokens": N}`. Counted by Gantry with its tokenizer
 * (o200k_base, the same count it uses to estimate unreported usage), so it costs no upstream call
 * and writes no usage event: the model is checked but not resolved onto the context, which the data
 * plane meters only once a model is resolved. For a Claude model the number is an estimate, not
 * Anthropic's own count.
 */
export function createCountTokensRoute(deps: { readonly maxBodyBytes: number }): Route {
  return {
    endpoint: 'messages.count_tokens',
    errorBody: anthropicErrorBody,
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const request = validateCountTokensRequest(parseJsonBody(await readBody(req, deps.maxBodyBytes)));
      ctx.requestedModel = request.model;
      const model = ctx.snapshot.models.get(request.model);
      // A Route counts like any chat model (the tokenizer does not depend on which model it picks).
      if (!model && !ctx.snapshot.routes.has(request.model)) {
        throw new GatewayError('GW_MODEL_NOT_FOUND', `The model "${request.model}" does not exist. GET /v1/models lists the models you can use.`, { param: 'model' });
      }
      if (model && model.type !== 'chat') {
        throw new GatewayError('GW_MODEL_WRONG_ENDPOINT', `The model "${request.model}" is an embedding model; use /v1/embeddings.`, { param: 'model' });
      }
      const tokenizer = await loadTokenizer();
      const messages = translateMessages(request, false);
      const tools = request.tools && request.tools.length > 0 ? translateTools(request.tools, false) : undefined;
      const body = JSON.stringify({ input_tokens: tokenizer.countChatPrompt(messages, tools) });
      ctx.status = 200;
      sendJson(res, 200, body);
    },
  };
}
