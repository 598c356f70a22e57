import type { ResponseObject } from '../../../kernel/wire/responses.js';
import { sendJson } from '../../http/respond.js';
import type { ChatOutput } from '../../routes/chat-output.js';
import { gatewayHeaders } from '../../routes/route.js';
import { createSseWriter, SSE_HEADERS } from '../../streaming/sse-writer.js';
import { fromChatCompletion, type NewId } from './from-chat.js';
import { createResponsesEventStream } from './stream-output.js';

/**
 * Renders chat results as Responses API output: the response object, or its typed SSE events.
 * `onDone` gets the final response after the client has it (to store it off the answer's path).
 */
export function responsesChatOutput(shell: ResponseObject, newId: NewId, onDone: (response: ResponseObject) => void): ChatOutput {
  return {
    complete(completion, costUsd, res, ctx) {
      const response = fromChatCompletion(completion, shell, newId);
      sendJson(res, 200, JSON.stringify(response), gatewayHeaders(ctx, costUsd));
      onDone(response);
    },
    startStream(res, ctx) {
      res.writeHead(200, { ...SSE_HEADERS, ...gatewayHeaders(ctx) });
      const sse = createSseWriter(res);
      const events = createResponsesEventStream(shell, newId, (e) => sse.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
      events.start();
      return {
        chunk: (chunk) => events.chunk(chunk),
        finish(usageChunk) {
          const response = events.finish(usageChunk);
          sse.end();
          onDone(response);
        },
        fail(err) {
          events.fail(err);
          sse.end();
        },
      };
    },
  };
}
