import type { Dispatcher } from 'undici';
import { GatewayError, transportError } from '../../kernel/errors/index.js';
import { answeredJsonToStream, createUpstreamPool, jsonInsteadOfStreamError, missingKeyError, postToUpstream, readJsonBody } from '../../kernel/http-upstream.js';
import { createSseParser } from '../../kernel/sse/parser.js';
import type { UpstreamCall } from '../../kernel/upstream-call.js';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  EmbeddingRequest,
  EmbeddingResponse,
} from '../../kernel/wire/openai.js';
import { RAW_JSON } from '../../kernel/wire/openai.js';
import type { ChatChunkStream, Provider, ProviderCallContext } from '../contract.js';
import { upstreamMessage } from './errors.js';

export interface OpenAiCompatibleOptions {
  readonly name: string;
  /** e.g. https://api.openai.com/v1, http://vllm:8000/v1, http://localhost:11434/v1 */
  readonly baseUrl: string;
  /** Resolved credential (from the environment), if any. */
  readonly apiKey: string | undefined;
  /** The environment variable the key is read from, named in errors when it is unset. */
  readonly apiKeyEnvName: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  /** Keep-alive connections to the upstream (default 128). */
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
}

type BodyReadable = Dispatcher.ResponseData['body'];

/** Parses the upstream's SSE body into chunks; ends on [DONE], fails on a cut or an in-band error. */
async function* readChunks(body: BodyReadable, call: UpstreamCall, ctx: ProviderCallContext): AsyncGenerator<ChatCompletionChunk> {
  const parser = createSseParser();
  let done = false;
  let finished = false;
  try {
    try {
      call.touch();
      for await (const bytes of body) {
        call.touch();
        for (const event of parser.push(bytes as Buffer)) {
          if (event.data === '[DONE]') {
            done = true;
            return;
          }
          const chunk = parseChunk(event.data);
          if (chunk.choices.some((c) => c.finish_reason)) finished = true;
          yield chunk;
        }
      }
      for (const event of parser.end()) {
        if (event.data === '[DONE]') done = true;
        else yield parseChunk(event.data);
      }
    } catch (err) {
      throw transportError(err, 'body', ctx.deployment.timeouts, call);
    }
    // Some servers omit [DONE]; a stream that reached finish_reason is complete, anything else was cut.
    if (!done && !finished) {
      throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream ended before it was complete (no finish_reason, no [DONE]).');
    }
  } finally {
    call.done();
    if (!done && !body.destroyed) body.destroy();
  }
}

function parseChunk(data: string): ChatCompletionChunk {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream sent data that is not JSON.');
  }
  if (typeof value !== 'object' || value === null) throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream sent an unexpected event.');
  const v = value as Record<string, unknown>;
  if (v.error !== undefined) {
    throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', `The upstream reported an error mid-stream: ${upstreamMessage(data) ?? 'unknown error'}`);
  }
  if (!Array.isArray(v.choices)) {
    v.choices = [];
    return v as unknown as ChatCompletionChunk;
  }
  const chunk = v as unknown as ChatCompletionChunk;
  chunk[RAW_JSON] = data;
  return chunk;
}

/** Any OpenAI-style upstream: OpenAI, Azure-style proxies, vLLM, Ollama, llama.cpp server, LM Studio. */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): Provider {
  const url = new URL(options.baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  const pool = createUpstreamPool(url.origin, options);
  const baseHeaders: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    'user-agent': 'gantry/0.1',
  };
  if (options.apiKey) baseHeaders.authorization = `Bearer ${options.apiKey}`;
  const missingKey = options.apiKeyEnvName !== undefined && !options.apiKey;

  const post = (path: string, payload: unknown, ctx: ProviderCallContext, accept?: string) => {
    if (missingKey) throw missingKeyError(options.name, options.apiKeyEnvName);
    return postToUpstream({
      dispatcher: pool,
      path: basePath + path,
      headers: { ...baseHeaders, accept: accept ?? 'application/json', 'x-gantry-request-id': ctx.requestId },
      payload,
      signal: ctx.signal,
      timeouts: ctx.deployment.timeouts,
      message: upstreamMessage,
    });
  };

  async function json<T>(path: string, payload: unknown, ctx: ProviderCallContext, check: (v: Record<string, unknown>) => boolean): Promise<T> {
    const { response, call } = await post(path, payload, ctx);
    const value = await readJsonBody(response, call, ctx.deployment.timeouts);
    if (typeof value !== 'object' || value === null || !check(value as Record<string, unknown>)) {
      throw new GatewayError('GW_UPSTREAM_ERROR', 'The upstream answered 2xx with an unexpected body (not an OpenAI-style response).');
    }
    return value as T;
  }

  return {
    name: options.name,
    type: 'openai-compatible',

    chat(request: ChatCompletionRequest, ctx) {
      const payload = { ...request, model: ctx.deployment.upstreamModel };
      return json<ChatCompletion>('/chat/completions', payload, ctx, (v) => Array.isArray(v.choices));
    },

    async chatStream(request: ChatCompletionRequest, ctx): Promise<ChatChunkStream> {
      // Always ask for usage so streams are metered from the provider's own count.
      const payload = {
        ...request,
        model: ctx.deployment.upstreamModel,
        stream: true,
        stream_options: { ...request.stream_options, include_usage: true },
      };
      const { response, call } = await post('/chat/completions', payload, ctx, 'text/event-stream');
      if (answeredJsonToStream(response)) throw await jsonInsteadOfStreamError(response, call, upstreamMessage);
      return readChunks(response.body, call, ctx);
    },

    embeddings(request: EmbeddingRequest, ctx) {
      const payload = { ...request, model: ctx.deployment.upstreamModel };
      return json<EmbeddingResponse>('/embeddings', payload, ctx, (v) => Array.isArray(v.data));
    },

    async close() {
      await pool.close();
    },
  };
}
