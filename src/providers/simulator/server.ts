import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Cancellation } from '../../kernel/cancellation.js';
import { GatewayError, isGatewayError } from '../../kernel/errors/index.js';
import type { ChatCompletionRequest, EmbeddingRequest } from '../../kernel/wire/openai.js';
import type { DeploymentTarget, FaultKnobs, ProviderCallContext } from '../contract.js';
import { SIM_MODELS } from './catalogue.js';
import { createSimulatorProvider } from './provider.js';

export interface SimulatorServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly instant: boolean;
  /** Default pacing for every request (per-request `x-simulator-faults` still wins). */
  readonly ttftMs?: number;
  readonly tokensPerSecond?: number;
}

export interface SimulatorServer {
  /** Base URL without the /v1 suffix. */
  readonly url: string;
  close(): Promise<void>;
}

/** Standalone simulator has no gateway timeouts of its own: the caller's client decides. */
const NO_TIMEOUTS = { connectMs: 2 ** 31 - 1, headersMs: 2 ** 31 - 1, bodyIdleMs: 2 ** 31 - 1 };
const MAX_BODY = 32 * 1024 * 1024;

function sendError(res: ServerResponse, status: number, message: string, code: string | null, retryAfter?: number) {
  const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  res.writeHead(status, headers).end(JSON.stringify({ error: { message, type, code, param: null } }));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new GatewayError('GW_REQUEST_TOO_LARGE');
    chunks.push(c);
  }
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new GatewayError('GW_REQUEST_MALFORMED_JSON', 'We could not parse the JSON body of your request.');
  }
}

/** Fault knobs per request over HTTP: `x-simulator-faults: {"errorRate":1,"errorStatus":503}`. */
function faultsFrom(req: IncomingMessage, defaults: FaultKnobs | undefined): FaultKnobs | undefined {
  const raw = req.headers['x-simulator-faults'];
  if (typeof raw !== 'string') return defaults;
  try {
    return { ...defaults, ...(JSON.parse(raw) as FaultKnobs) };
  } catch {
    throw new GatewayError('GW_REQUEST_INVALID', 'x-simulator-faults must be a JSON object of fault knobs.');
  }
}

/**
 * `gantry simulator`: the simulator as a standalone OpenAI-compatible server, so Gantry (or any other
 * gateway or client) can be tested and benchmarked against a real HTTP upstream.
 */
export async function startSimulatorServer(options: SimulatorServerOptions): Promise<SimulatorServer> {
  const provider = createSimulatorProvider({ name: 'simulator', instant: options.instant });
  const pacing: FaultKnobs | undefined =
    options.ttftMs === undefined && options.tokensPerSecond === undefined ? undefined : { ttftMs: options.ttftMs, tokensPerSecond: options.tokensPerSecond };

  const context = (req: IncomingMessage, res: ServerResponse, model: string): ProviderCallContext & { abort: Cancellation } => {
    const abort = new Cancellation();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort(new Error('client closed the connection'));
    });
    const deployment: DeploymentTarget = { id: `simulator/${model}`, provider: 'simulator', upstreamModel: model, timeouts: NO_TIMEOUTS, faults: faultsFrom(req, pacing) };
    return { requestId: '', deployment, signal: abort.signal, abort };
  };

  async function chat(req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    if (typeof body.model !== 'string' || !Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(res, 400, 'model (string) and messages (non-empty array) are required.', 'invalid_request');
    }
    const request = body as ChatCompletionRequest;
    const ctx = context(req, res, request.model);
    if (request.stream !== true) {
      const completion = await provider.chat(request, ctx);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion));
      return;
    }
    const stream = await provider.chatStream(request, ctx);
    const includeUsage = request.stream_options?.include_usage === true;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    try {
      for await (const chunk of stream) {
        if (chunk.usage && chunk.choices.length === 0) {
          if (!includeUsage) continue;
        } else if (includeUsage) {
          chunk.usage = null; // OpenAI sends usage: null on every chunk but the last when asked for usage
        }
        if (!res.write(`data: ${JSON.stringify(chunk)}\n\n`)) await new Promise((r) => res.once('drain', r));
      }
      res.end('data: [DONE]\n\n');
    } catch (err) {
      // Mid-stream failures look like a real network cut: what was written is flushed, then the
      // connection closes without the end of the chunked body or [DONE].
      if (ctx.signal.aborted) return;
      if (res.socket) res.socket.end();
      else res.destroy(err instanceof Error ? err : undefined);
    }
  }

  async function embeddings(req: IncomingMessage, res: ServerResponse) {
    const body = await readJson(req);
    if (typeof body.model !== 'string' || body.input === undefined) {
      return sendError(res, 400, 'model (string) and input are required.', 'invalid_request');
    }
    const response = await provider.embeddings(body as EmbeddingRequest, context(req, res, body.model));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(response));
  }

  const modelList = JSON.stringify({
    object: 'list',
    data: SIM_MODELS.map((m) => ({ id: m.name, object: 'model', created: 0, owned_by: 'gantry-simulator' })),
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const handle = async () => {
      if (req.method === 'POST' && path === '/v1/chat/completions') return chat(req, res);
      if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(req, res);
      if (req.method === 'GET' && path === '/v1/models') return void res.writeHead(200, { 'content-type': 'application/json' }).end(modelList);
      if (req.method === 'GET' && (path === '/healthz' || path === '/')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      sendError(res, 404, `No route for ${req.method} ${path}.`, 'not_found');
    };
    handle().catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (isGatewayError(err)) {
        const status = err.upstreamStatus ?? err.status;
        return sendError(res, status, err.message, err.upstreamCode ?? err.code, err.retryAfter);
      }
      if (res.destroyed) return;
      sendError(res, 500, 'simulator internal error', null);
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
