import { GatewayError, upstreamStatusError } from '../../kernel/errors/index.js';
import type { ChatCompletionChunk, ChatCompletionChunkChoice, FinishReason } from '../../kernel/wire/openai.js';
import { finishReason, matchedStopSequence, toOpenAiUsage } from './from-anthropic.js';
import type { AnthropicUsage, ThinkingBlock } from './wire.js';

/** HTTP status an Anthropic error type stands for, kept as upstreamStatus for the ledger. */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function upstreamStatusOfErrorType(type: string | undefined): number | undefined {
  return type === undefined ? undefined : ERROR_STATUS[type];
}

interface OpenBlock {
  kind: 'text' | 'tool' | 'thinking' | 'redacted' | 'other';
  /** OpenAI tool_calls index, for tool blocks. */
  toolIndex: number;
  thinking: string;
  signature: string;
  data: string;
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface StreamTranslator {
  /** Translates one SSE event (its JSON data) into zero or more OpenAI chunks. Throws on an in-band error. */
  event(data: string): ChatCompletionChunk[];
  /** True once message_stop arrived: the stream is complete. */
  readonly done: boolean;
}

/**
 * Anthropic stream events → OpenAI chat chunks: a role chunk first, text as `content`, tool_use
 * blocks as `tool_calls` deltas (id and name first, then argument fragments), thinking as
 * `reasoning_content` plus one `thinking_blocks` delta carrying the signed block when it closes,
 * a finish chunk, and always a final usage chunk (`choices: []`) that the data plane meters from.
 */
export function createStreamTranslator(createdSeconds: number, fallbackModel: string): StreamTranslator {
  let id = '';
  let model = fallbackModel;
  let usage: AnthropicUsage = {};
  let started = false;
  let finished = false;
  let done = false;
  let tools = 0;
  const blocks = new Map<number, OpenBlock>();

  const chunk = (choices: ChatCompletionChunkChoice[], extra?: Partial<ChatCompletionChunk>): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created: createdSeconds,
    model,
    choices,
    ...extra,
  });
  const delta = (d: ChatCompletionChunkChoice['delta'], finish: FinishReason | null = null) => chunk([{ index: 0, delta: d, finish_reason: finish }]);

  function mergeUsage(u: unknown): void {
    if (!isRecord(u)) return;
    // message_delta usage is cumulative: its numbers replace those of message_start.
    for (const [k, v] of Object.entries(u)) if (typeof v === 'number') usage = { ...usage, [k]: v };
  }

  function onBlockStart(index: number, block: Json): ChatCompletionChunk[] {
    const open: OpenBlock = { kind: 'other', toolIndex: -1, thinking: '', signature: '', data: '' };
    blocks.set(index, open);
    switch (block.type) {
      case 'text':
        open.kind = 'text';
        return typeof block.text === 'string' && block.text !== '' ? [delta({ content: block.text })] : [];
      case 'tool_use': {
        open.kind = 'tool';
        open.toolIndex = tools++;
        const name = String(block.name ?? '');
        return [delta({ tool_calls: [{ index: open.toolIndex, id: String(block.id ?? ''), type: 'function', function: { name, arguments: '' } }] })];
      }
      case 'thinking':
        open.kind = 'thinking';
        open.thinking = typeof block.thinking === 'string' ? block.thinking : '';
        open.signature = typeof block.signature === 'string' ? block.signature : '';
        return open.thinking ? [delta({ reasoning_content: open.thinking })] : [];
      case 'redacted_thinking':
        open.kind = 'redacted';
        open.data = typeof block.data === 'string' ? block.data : '';
        return [];
      default:
        return [];
    }
  }

  function onBlockDelta(index: number, d: Json): ChatCompletionChunk[] {
    const open = blocks.get(index);
    if (!open) return [];
    if (d.type === 'text_delta' && typeof d.text === 'string' && d.text !== '') return [delta({ content: d.text })];
    if (d.type === 'input_json_delta' && typeof d.partial_json === 'string' && d.partial_json !== '' && open.kind === 'tool') {
      return [delta({ tool_calls: [{ index: open.toolIndex, function: { arguments: d.partial_json } }] })];
    }
    if (d.type === 'thinking_delta' && typeof d.thinking === 'string' && d.thinking !== '') {
      open.thinking += d.thinking;
      return [delta({ reasoning_content: d.thinking })];
    }
    if (d.type === 'signature_delta' && typeof d.signature === 'string') open.signature += d.signature;
    return [];
  }

  function onBlockStop(index: number): ChatCompletionChunk[] {
    const open = blocks.get(index);
    blocks.delete(index);
    let block: ThinkingBlock | undefined;
    if (open?.kind === 'thinking') block = { type: 'thinking', thinking: open.thinking, signature: open.signature };
    else if (open?.kind === 'redacted') block = { type: 'redacted_thinking', data: open.data };
    // The whole signed block in one delta, so a client can send it back unchanged next turn.
    return block ? [delta({ thinking_blocks: [block] })] : [];
  }

  function inBandError(ev: Json): never {
    const err = isRecord(ev.error) ? ev.error : {};
    const type = typeof err.type === 'string' ? err.type : undefined;
    const message = typeof err.message === 'string' ? err.message.slice(0, 500) : 'unknown error';
    const status = upstreamStatusOfErrorType(type);
    // Before message_start nothing was delivered: the error is as good as an HTTP status (overloaded
    // → GW_UPSTREAM_ERROR 529, rate_limit → GW_UPSTREAM_RATE_LIMITED, …), which the provider throws
    // from chatStream so the client gets a real status instead of a broken stream.
    if (!started) throw upstreamStatusError(status ?? 500, `${type ?? 'error'}: ${message}`);
    throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', `The upstream reported an error mid-stream: ${type ?? 'error'}: ${message}`, {
      upstreamStatus: status,
    });
  }

  return {
    get done() {
      return done;
    },
    event(data) {
      if (done) return [];
      let ev: unknown;
      try {
        ev = JSON.parse(data);
      } catch {
        throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream sent data that is not JSON.');
      }
      if (!isRecord(ev)) throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream stream sent an unexpected event.');
      const index = typeof ev.index === 'number' ? ev.index : -1;
      switch (ev.type) {
        case 'message_start': {
          started = true;
          const msg = isRecord(ev.message) ? ev.message : {};
          if (typeof msg.id === 'string') id = msg.id;
          if (typeof msg.model === 'string') model = msg.model;
          mergeUsage(msg.usage);
          // The input count is known now: a usage-only chunk lets a stream that fails later still be
          // metered with the upstream's input tokens (the final usage chunk replaces it).
          return [delta({ role: 'assistant', content: '' }), chunk([], { usage: toOpenAiUsage(usage) })];
        }
        case 'content_block_start':
          return isRecord(ev.content_block) ? onBlockStart(index, ev.content_block) : [];
        case 'content_block_delta':
          return isRecord(ev.delta) ? onBlockDelta(index, ev.delta) : [];
        case 'content_block_stop':
          return onBlockStop(index);
        case 'message_delta': {
          mergeUsage(ev.usage);
          const d = isRecord(ev.delta) ? ev.delta : {};
          if (finished || !('stop_reason' in d)) return [];
          finished = true;
          const finish = delta({}, finishReason(d.stop_reason as string | null));
          Object.assign(finish.choices[0] as object, matchedStopSequence(d.stop_sequence));
          return [finish];
        }
        case 'message_stop': {
          done = true;
          const out = finished ? [] : [delta({}, 'stop')];
          out.push(chunk([], { usage: toOpenAiUsage(usage) }));
          return out;
        }
        case 'error':
          return inBandError(ev);
        default:
          // ping, and event types added later: nothing for the client.
          return [];
      }
    },
  };
}
