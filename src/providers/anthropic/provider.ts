import type { Dispatcher } from 'undici';
import { GatewayError, transportError } from '../../kernel/errors/index.js';
import { answeredJsonToStream, createUpstreamPool, jsonInsteadOfStreamError, missingKeyError, postToUpstream, readJsonBody } from '../../kernel/http-upstream.js';
import { createSseParser } from '../../kernel/sse/parser.js';
import type { UpstreamCall } from '../../kernel/upstream-call.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../kernel/wire/openai.js';
import type { ChatChunkStream, Provider, ProviderCallContext } from '../contract.js';
import { upstreamMessage } from './errors.js';
import { fromAnthropicMessage } from './from-anthropic.js';
import { createStreamTranslator } from './stream.js';
import { toAnthropicRequest } from './to-anthropic.js';
import type { AnthropicMessage } from './wire.js';

export interface AnthropicOptions {
  readonly name: string;
  /** Default https://api.anthropic.com. A trailing /v1 is accepted too (requests go to …/v1/messages). */
  readonly baseUrl?: string;
  /** Resolved credential (from the environment), sent as x-api-key. */
  readonly apiKey: string | undefined;
  /** The environment variable the key is read from, named in errors when it is unset. */
  readonly apiKeyEnvName: string | undefined;
  /** Extra headers, e.g. `anthropic-beta`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Keep-alive connections to the upstream (default 128). */
  readonly maxConnections?: number;
  readonly connectTimeoutMs?: number;
  /** The `anthropic-version` header (default 2023-06-01, the current version of the Messages API). */
  readonly anthropicVersion?: string;
}

export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

type BodyReadable = Dispatcher.ResponseData['body'];

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Parses the Anthropic SSE body into OpenAI chunks; ends at message_stop, fails on a cut or an in-band error. */
async function* readStream(body: BodyReadable, call: UpstreamCall, ctx: ProviderCallContext): AsyncGenerator<ChatCompletionChunk> {
  const parser = createSseParser();
  const translator = createStreamTranslator(nowSeconds(), ctx.deployment.upstreamModel);
  try {
    try {
      call.touch();
      for await (const bytes of body) {
        call.touch();
        for (const event of parser.push(bytes as Buffer)) {
          yield* translator.event(event.data);
          if (translator.done) return;
        }
      }
      for (const event of parser.end()) yield* translator.event(event.data);
    } catch (err) {
      throw transportError(err, 'body', ctx.deployment.timeouts, call);
    }
    if (!translator.done) {
      throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream ended before it was complete (no message_stop).');
    }
  } finally {
    call.done();
    if (!translator.done && !body.destroyed) body.destroy();
  }
}

/** Yields an already-read first chunk, then the rest; stopping early still releases the upstream. */
async function* prepend(first: IteratorResult<ChatCompletionChunk>, rest: AsyncGenerator<ChatCompletionChunk>): AsyncGenerator<ChatCompletionChunk> {
  try {
    if (first.done) return;
    yield first.value;
    yield* rest;
  } finally {
    await rest.return(undefined);
  }
}

function isMessage(v: unknown): v is AnthropicMessage {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return m.type === 'message' && Array.isArray(m.content);
}

/** The native Anthropic Messages API as an upstream for OpenAI-shaped chat requests. */
export function createAnthropicProvider(options: AnthropicOptions): Provider {
  const url = new URL(options.baseUrl ?? DEFAULT_ANTHROPIC_BASE_URL);
  const basePath = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  const messagesPath = `${basePath}/v1/messages`;
  const pool = createUpstreamPool(url.origin, options);
  const baseHeaders: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/json',
    'user-agent': 'gantry/0.1',
    'anthropic-version': options.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION,
  };
  if (options.apiKey) baseHeaders['x-api-key'] = options.apiKey;
  const missingKey = options.apiKeyEnvName !== undefined && !options.apiKey;

  const post = (payload: unknown, ctx: ProviderCallContext, accept: string) => {
    if (missingKey) throw missingKeyError(options.name, options.apiKeyEnvName);
    return postToUpstream({
      dispatcher: pool,
      path: messagesPath,
      headers: { ...baseHeaders, accept, 'x-gantry-request-id': ctx.requestId },
      payload,
      signal: ctx.signal,
      timeouts: ctx.deployment.timeouts,
      message: upstreamMessage,
    });
  };

  return {
    name: options.name,
    type: 'anthropic',

    async chat(request: ChatCompletionRequest, ctx): Promise<ChatCompletion> {
      const payload = toAnthropicRequest(request, ctx.deployment.upstreamModel, false);
      const { response, call } = await post(payload, ctx, 'application/json');
      const value = await readJsonBody(response, call, ctx.deployment.timeouts);
      if (!isMessage(value)) throw new GatewayError('GW_UPSTREAM_ERROR', 'The upstream answered 2xx with an unexpected body (not an Anthropic message).');
      return fromAnthropicMessage(value, nowSeconds());
    },

    async chatStream(request: ChatCompletionRequest, ctx): Promise<ChatChunkStream> {
      // Anthropic streams always report usage (message_start and message_delta): nothing to ask for.
      const payload = toAnthropicRequest(request, ctx.deployment.upstreamModel, true);
      const { response, call } = await post(payload, ctx, 'text/event-stream');
      if (answeredJsonToStream(response)) throw await jsonInsteadOfStreamError(response, call, upstreamMessage);
      // Wait for message_start: an in-band error before it (e.g. overloaded) is thrown here, with a status.
      const chunks = readStream(response.body, call, ctx);
      return prepend(await chunks.next(), chunks);
    },

    async embeddings() {
      throw new GatewayError('GW_MODEL_WRONG_ENDPOINT', `Provider "${options.name}" is an Anthropic upstream, which has no embeddings API. Use a chat model here, or an embedding model on another provider.`);
    },

    async close() {
      await pool.close();
    },
  };
}
