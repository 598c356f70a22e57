import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../../kernel/errors/index.js';

export type ErrorShape = 'openai' | 'anthropic';

/** OpenAI wire shape for errors; `code` is the stable GW_* code. */
export function openAiErrorBody(err: GatewayError): string {
  return JSON.stringify({ error: { message: err.message, type: err.type, code: err.code, param: err.param ?? null } });
}

export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  if (headers) for (const name in headers) res.setHeader(name, headers[name] as string);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: ServerResponse, err: GatewayError, body: string = openAiErrorBody(err)): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err.retryAfter !== undefined) res.setHeader('retry-after', String(Math.ceil(err.retryAfter)));
  res.setHeader('x-gantry-error-code', err.code);
  sendJson(res, err.status, body);
}
