import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletion, ChatCompletionChunk } from '../../kernel/wire/openai.js';
import type { RequestContext } from '../context.js';

/**
 * How a protocol that translates into chat (OpenAI, Anthropic, Responses) renders the shared chat
 * server's result in its own wire format.
 */
export interface ChatOutput {
  /** Writes a non-stream completion (usage and cost already known). */
  complete(completion: ChatCompletion, costUsd: string, res: ServerResponse, ctx: RequestContext): void;
  /** Starts a stream: returns a sink for chunks and an end/fail handler. */
  startStream(res: ServerResponse, ctx: RequestContext): ChatStreamOutput;
}

export interface ChatStreamOutput {
  chunk(chunk: ChatCompletionChunk): Promise<void> | undefined;
  /** The upstream finished: `usageChunk` is the final usage chunk (cost added) to emit if wanted. */
  finish(usageChunk: ChatCompletionChunk): void;
  /** The stream failed after it started (headers are sent: report the error in-band). */
  fail(err: GatewayError): void;
}
