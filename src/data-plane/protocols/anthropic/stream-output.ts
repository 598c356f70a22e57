import { GatewayError } from '../../../kernel/errors/index.js';
import type { AnthropicContentBlock, AnthropicContentDelta, AnthropicStreamEvent } from '../../../kernel/wire/anthropic.js';
import type { ChatCompletionChunk, ChatCompletionChunkChoice, FinishReason } from '../../../kernel/wire/openai.js';
import { sendJson } from '../../http/respond.js';
import type { ChatOutput } from '../../routes/chat-output.js';
import { gatewayHeaders } from '../../routes/route.js';
import { createSseWriter, SSE_HEADERS } from '../../streaming/sse-writer.js';
import { anthropicError } from './errors.js';
import { anthropicUsage, fromChatCompletion, matchedStop, messageId, stopReason } from './from-chat.js';

export interface AnthropicOutputOptions {
  /** Public model name the client asked for, reported as `model`. */
  readonly model: string;
  readonly stopSequences: readonly string[] | undefined;
}

interface OpenBlock {
  readonly kind: 'text' | 'thinking' | 'tool';
  readonly index: number;
  /** OpenAI tool_calls index, for tool blocks. */
  readonly toolIndex: number;
}

const frame = (ev: AnthropicStreamEvent): string => `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;

/**
 * OpenAI chat chunks → Anthropic stream events, in the order Anthropic's API sends them:
 * message_start, ping, then per content block content_block_start, its deltas, content_block_stop
 * (indexes 0, 1, … in order: thinking, text, tool_use blocks as the upstream produced them),
 * message_delta (stop_reason, usage), message_stop. Returns SSE text to write.
 */
export function createAnthropicStreamTranslator(opts: AnthropicOutputOptions & { fallbackId: string }) {
  let started = false;
  let next = 0;
  let open: OpenBlock | undefined;
  const seenTools = new Set<number>();
  let finish: FinishReason | null = null;
  let matched: unknown;
  let refused = false;

  function start(id: string | undefined): string {
    if (started) return '';
    started = true;
    const message = {
      id: messageId(id, opts.fallbackId),
      type: 'message' as const,
      role: 'assistant' as const,
      model: opts.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // OpenAI-style upstreams report usage only at the end: message_delta carries the real numbers.
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return frame({ type: 'message_start', message }) + frame({ type: 'ping' });
  }

  function close(): string {
    if (!open) return '';
    const index = open.index;
    open = undefined;
    return frame({ type: 'content_block_stop', index });
  }

  function openBlock(kind: OpenBlock['kind'], block: AnthropicContentBlock, toolIndex = -1): string {
    const out = close();
    open = { kind, index: next++, toolIndex };
    return out + frame({ type: 'content_block_start', index: open.index, content_block: block });
  }

  const delta = (d: AnthropicContentDelta): string => frame({ type: 'content_block_delta', index: (open as OpenBlock).index, delta: d });

  function text(t: string): string {
    const out = open?.kind === 'text' ? '' : openBlock('text', { type: 'text', text: '' });
    return out + delta({ type: 'text_delta', text: t });
  }

  function thinking(blocks: unknown[]): string {
    let out = '';
    for (const b of blocks as Array<Record<string, unknown>>) {
      if (b?.type === 'thinking') {
        // The signed block arrives whole when it closes; its text was streamed as reasoning_content.
        if (open?.kind !== 'thinking') {
          out += openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
          if (typeof b.thinking === 'string' && b.thinking !== '') out += delta({ type: 'thinking_delta', thinking: b.thinking });
        }
        if (typeof b.signature === 'string' && b.signature !== '') out += delta({ type: 'signature_delta', signature: b.signature });
        out += close();
      } else if (b?.type === 'redacted_thinking' && typeof b.data === 'string') {
        out += openBlock('thinking', { type: 'redacted_thinking', data: b.data }) + close();
      }
    }
    return out;
  }

  function toolCalls(calls: NonNullable<ChatCompletionChunkChoice['delta']['tool_calls']>): string {
    let out = '';
    for (const call of calls) {
      const i = typeof call.index === 'number' ? call.index : 0;
      if (open?.kind !== 'tool' || open.toolIndex !== i) {
        if (seenTools.has(i)) {
          // Anthropic blocks are sequential; an upstream interleaving two calls' arguments cannot be
          // rendered faithfully, and dropping arguments would call the tool with the wrong input.
          throw new GatewayError('GW_UPSTREAM_STREAM_INTERRUPTED', 'The upstream interleaved the arguments of parallel tool calls, which an Anthropic stream cannot carry.');
        }
        seenTools.add(i);
        const id = call.id ?? `toolu_${opts.fallbackId}_${i}`;
        out += openBlock('tool', { type: 'tool_use', id, name: call.function?.name ?? '', input: {} }, i);
      }
      const args = call.function?.arguments;
      if (typeof args === 'string' && args !== '') out += delta({ type: 'input_json_delta', partial_json: args });
    }
    return out;
  }

  return {
    chunk(chunk: ChatCompletionChunk): string {
      let out = start(chunk.id);
      const choice = chunk.choices.find((c) => c.index === 0) ?? chunk.choices[0];
      if (!choice) return out;
      const d = choice.delta ?? {};
      if (typeof d.reasoning_content === 'string' && d.reasoning_content !== '') {
        if (open?.kind !== 'thinking') out += openBlock('thinking', { type: 'thinking', thinking: '', signature: '' });
        out += delta({ type: 'thinking_delta', thinking: d.reasoning_content });
      }
      if (Array.isArray(d.thinking_blocks)) out += thinking(d.thinking_blocks);
      if (typeof d.content === 'string' && d.content !== '') out += text(d.content);
      if (typeof d.refusal === 'string' && d.refusal !== '') {
        refused = true;
        out += text(d.refusal);
      }
      if (d.tool_calls) out += toolCalls(d.tool_calls);
      if (choice.finish_reason) {
        finish = choice.finish_reason;
        matched = matchedStop(choice);
      }
      return out;
    },
    /** The end: closes the open block, then message_delta (stop reason, final usage and cost) and message_stop. */
    finish(usageChunk: ChatCompletionChunk): string {
      const usage = usageChunk.usage;
      const cost = typeof usage?.gantry_cost_usd === 'string' ? usage.gantry_cost_usd : undefined;
      const stop = stopReason(finish, matched, opts.stopSequences);
      const reason = refused && finish !== 'tool_calls' ? 'refusal' : stop.stop_reason;
      return (
        start(usageChunk.id) +
        close() +
        frame({ type: 'message_delta', delta: { stop_reason: reason, stop_sequence: stop.stop_sequence }, usage: anthropicUsage(usage, cost) }) +
        frame({ type: 'message_stop' })
      );
    },
    /** A failure after the stream started: Anthropic's in-band `error` event, then the stream ends. */
    fail(err: GatewayError): string {
      return frame(anthropicError(err));
    },
  };
}

/** Anthropic wire output for /v1/messages, for the shared chat server (createChatServer). */
export function anthropicChatOutput(opts: AnthropicOutputOptions): ChatOutput {
  return {
    complete(completion, costUsd, res, ctx) {
      const message = fromChatCompletion(completion, { ...opts, costUsd, fallbackId: ctx.requestId });
      sendJson(res, 200, JSON.stringify(message), gatewayHeaders(ctx, costUsd));
    },
    startStream(res, ctx) {
      res.writeHead(200, { ...SSE_HEADERS, ...gatewayHeaders(ctx) });
      const sse = createSseWriter(res);
      const tr = createAnthropicStreamTranslator({ ...opts, fallbackId: ctx.requestId });
      return {
        chunk(chunk) {
          // A translation error throws here, inside the chat server's stream loop, which reports it via fail().
          const text = tr.chunk(chunk);
          return text === '' ? undefined : sse.write(text);
        },
        finish: (usageChunk) => sse.end(tr.finish(usageChunk)),
        fail: (err) => sse.end(tr.fail(err)),
      };
    },
  };
}
