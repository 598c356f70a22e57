import type { IncomingMessage, ServerResponse } from 'node:http';
import { RAW_JSON } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';
import { parseJsonBody, readBody } from '../http/read-body.js';
import { openAiErrorBody, sendJson } from '../http/respond.js';
import type { DriftReporter } from '../stages/agent-drift.js';
import { type AuthorizeModel, createResolveModel } from '../stages/resolve-model.js';
import { createSseWriter, SSE_HEADERS } from '../streaming/sse-writer.js';
import { validateChatRequest } from '../validation/chat-request.js';
import type { ChatOutput } from './chat-output.js';
import { gatewayHeaders, type Route } from './route.js';
import { type ChatServeDeps, createChatServer } from './serve-chat.js';

export type { ChatServeDeps } from './serve-chat.js';
export { createChatServer } from './serve-chat.js';

/** OpenAI wire output for /v1/chat/completions. */
export function openAiChatOutput(includeUsage: boolean): ChatOutput {
  return {
    complete(completion, costUsd, res, ctx) {
      sendJson(res, 200, JSON.stringify(completion), gatewayHeaders(ctx, costUsd));
    },
    startStream(res, ctx) {
      // Headers leave with the first frame (one packet, one syscall): the upstream already answered,
      // so the first chunk follows at once.
      res.writeHead(200, { ...SSE_HEADERS, ...gatewayHeaders(ctx) });
      const sse = createSseWriter(res);
      return {
        chunk: (chunk) => sse.data(chunk[RAW_JSON] ?? JSON.stringify(chunk)),
        finish(usageChunk) {
          if (includeUsage) sse.write(`data: ${JSON.stringify(usageChunk)}\n\n`);
          sse.end('data: [DONE]\n\n');
        },
        fail(err) {
          // OpenAI SDKs raise an APIError for an in-band error event; the stream is not silently short.
          sse.end(`data: ${openAiErrorBody(err)}\n\n`);
        },
      };
    },
  };
}

export function createChatCompletionsRoute(deps: ChatServeDeps & { readonly maxBodyBytes: number; readonly authorize?: AuthorizeModel; readonly drift?: DriftReporter }): Route {
  const resolveModel = createResolveModel(deps.authorize, deps.drift);
  const serveChat = createChatServer(deps);
  return {
    endpoint: 'chat.completions',
    async handle(ctx: RequestContext, req: IncomingMessage, res: ServerResponse) {
      const request = validateChatRequest(parseJsonBody(await readBody(req, deps.maxBodyBytes)));
      ctx.stream = request.stream === true;
      ctx.requestedModel = request.model;
      resolveModel(ctx, request);
      await serveChat(ctx, request, res, openAiChatOutput(request.stream_options?.include_usage === true));
    },
  };
}
